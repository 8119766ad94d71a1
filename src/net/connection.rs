//! The connection task: owns the stream, writes queries, routes responses by token.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::error::{Error, Kind};
use crate::protocol::response::RawResponse;
use crate::protocol::{FrameDecoder, Query, Token};

/// Any byte stream a connection can run on (TCP, TLS, an in-memory pipe).
pub trait AsyncStream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> AsyncStream for T {}

/// Where the responses for one token go.
pub(crate) type ReplySender = mpsc::UnboundedSender<Result<RawResponse, Error>>;
/// The receiving end of [`ReplySender`].
pub(crate) type ReplyReceiver = mpsc::UnboundedReceiver<Result<RawResponse, Error>>;

/// What the task does with a request besides writing its frame.
pub(crate) enum Action {
    /// Route this token's responses to the sender until a final one.
    Register(ReplySender),
    /// Only write (CONTINUE, STOP, noreply queries).
    Write,
    /// Forget the token (its cursor is gone), then write (a STOP).
    Abandon,
}

/// One request from a client handle to the task.
pub(crate) struct Request {
    pub token: Token,
    pub frame: Vec<u8>,
    pub action: Action,
}

/// The connection task: spawn it (`tokio::spawn(connection)`); it ends when the stream closes
/// or every [`Client`](super::Client) handle and cursor is dropped.
#[must_use = "the connection does nothing unless spawned or awaited"]
pub struct Connection {
    fut: Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").finish_non_exhaustive()
    }
}

impl Future for Connection {
    type Output = Result<(), Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.fut.as_mut().poll(cx)
    }
}

impl Connection {
    pub(crate) fn new(
        stream: Box<dyn AsyncStream>,
        leftover: Vec<u8>,
        requests: mpsc::UnboundedReceiver<Request>,
    ) -> Connection {
        Connection {
            fut: Box::pin(run(stream, leftover, requests)),
        }
    }
}

/// Free space offered to each read from the stream.
const READ_CHUNK: usize = 256 * 1024;

/// Why the read or write side stopped.
enum Stop {
    /// Every client handle is gone: a clean end.
    Clients,
    /// The connection failed.
    Failed(Error),
}

async fn run(
    stream: Box<dyn AsyncStream>,
    leftover: Vec<u8>,
    mut requests: mpsc::UnboundedReceiver<Request>,
) -> Result<(), Error> {
    let (mut reader, mut writer) = tokio::io::split(stream);
    let mut decoder = FrameDecoder::new();
    decoder.extend(&leftover);
    let mut pending: HashMap<Token, ReplySender> = HashMap::new();

    // Frames may already be waiting in the handshake leftover.
    let mut stop = dispatch(&mut decoder, &mut pending, &mut writer)
        .await
        .err();
    while stop.is_none() {
        tokio::select! {
            request = requests.recv() => {
                let Some(request) = request else {
                    stop = Some(Stop::Clients);
                    break;
                };
                match request.action {
                    Action::Register(reply) => {
                        pending.insert(request.token, reply);
                    }
                    Action::Abandon => {
                        pending.remove(&request.token);
                    }
                    Action::Write => {}
                }
                if let Err(e) = write(&mut writer, &request.frame).await {
                    stop = Some(Stop::Failed(e));
                }
            }
            // Read straight into the decoder: one copy less per byte, and room for a whole
            // batch in few reads.
            read = reader.read_buf(decoder.read_space(READ_CHUNK)) => match read {
                Ok(0) => {
                    stop = Some(Stop::Failed(match decoder.finish() {
                        Ok(()) => Error::io(
                            "the server closed the connection",
                            std::io::ErrorKind::UnexpectedEof.into(),
                        ),
                        Err(e) => Error::protocol(e.to_string()),
                    }));
                }
                Ok(_) => {
                    stop = dispatch(&mut decoder, &mut pending, &mut writer).await.err();
                }
                Err(e) => stop = Some(Stop::Failed(Error::io(format!("connection lost: {e}"), e))),
            }
        }
    }

    // Close the request channel first, so that by the time a cursor hears about the failure,
    // `Client::is_closed` already says so and the next use reconnects.
    requests.close();
    // Requests still queued were never written: they are `Closed`, safe to run again.
    while let Ok(request) = requests.try_recv() {
        if let Action::Register(reply) = request.action {
            let _ = reply.send(Err(Error::closed()));
        }
    }
    drop(requests);
    match stop {
        Some(Stop::Failed(cause)) => {
            for (_, reply) in pending.drain() {
                let err = if cause.kind() == Kind::Protocol {
                    Error::protocol_in_flight(&cause)
                } else {
                    Error::interrupted(&cause)
                };
                let _ = reply.send(Err(err));
            }
            Err(cause)
        }
        _ => Ok(()),
    }
}

async fn write<W: AsyncWrite + Unpin>(writer: &mut W, frame: &[u8]) -> Result<(), Error> {
    writer
        .write_all(frame)
        .await
        .map_err(|e| Error::io(format!("connection lost: {e}"), e))?;
    writer
        .flush()
        .await
        .map_err(|e| Error::io(format!("connection lost: {e}"), e))
}

/// Routes every whole frame in the decoder to its token's sender.
async fn dispatch<W: AsyncWrite + Unpin>(
    decoder: &mut FrameDecoder,
    pending: &mut HashMap<Token, ReplySender>,
    writer: &mut W,
) -> Result<(), Stop> {
    loop {
        let (token, body) = match decoder.next_json_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => return Ok(()),
            Err(e) => return Err(Stop::Failed(Error::protocol(e.to_string()))),
        };
        let response = RawResponse::parse(body);
        let Some(reply) = pending.get(&token) else {
            // A late answer for an abandoned or finished token (e.g. a second reply to STOP).
            continue;
        };
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                // The frame was well delimited, so only this query is lost.
                let _ = reply.send(Err(Error::response(e.to_string())));
                pending.remove(&token);
                continue;
            }
        };
        let last = response.is_final();
        if reply.send(Ok(response)).is_err() {
            // Nobody listens any more (the cursor was dropped without a STOP): stop it here.
            pending.remove(&token);
            if !last {
                let mut frame = Vec::new();
                if Query::Stop.encode(token, &mut frame).is_ok() {
                    write(writer, &frame).await.map_err(Stop::Failed)?;
                }
            }
            continue;
        }
        if last {
            pending.remove(&token);
        }
    }
}
