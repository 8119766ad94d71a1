//! One gzip member written in independently deflated pieces.
//!
//! A dump's tar header must hold its table's size, which is known only once the table has
//! streamed in. Rather than spooling plain rows and compressing them afterwards, each table's
//! data is deflated while it streams (into a spool) as a piece that ends on a byte boundary
//! (a sync flush) and refers to nothing before it; once the size is known the header is
//! deflated as a piece of its own and the spool copied in behind it, never compressed twice.
//! Concatenated, the pieces are one deflate stream, and the archive one ordinary gzip member
//! (what `tarfile.open(mode="r|*")`, as RethinkDB's restore reads it, requires).

use std::io::{self, Write};

use flate2::{Compress, Compression, FlushCompress, Status};

/// The fixed gzip header: deflate, no name, no time, unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// What a finished piece contributes to the member's trailer.
#[derive(Debug, Clone, Default)]
pub struct Piece {
    crc: crc32fast::Hasher,
    size: u64,
}

impl Piece {
    /// The number of plain bytes in the piece.
    pub fn size(&self) -> u64 {
        self.size
    }
}

/// Deflates what is written to it into `out`, as one piece (see the module docs).
pub struct PieceWriter<W: Write> {
    out: W,
    compress: Compress,
    piece: Piece,
    buf: Vec<u8>,
}

impl<W: Write> PieceWriter<W> {
    pub fn new(out: W) -> PieceWriter<W> {
        PieceWriter {
            out,
            compress: Compress::new(Compression::fast(), false),
            piece: Piece::default(),
            buf: Vec::with_capacity(1 << 16),
        }
    }

    /// Runs the compressor over `input` with `flush`, writing all it produces.
    fn run(&mut self, mut input: &[u8], flush: FlushCompress) -> io::Result<()> {
        loop {
            self.buf.clear();
            let before = self.compress.total_in();
            let status = self
                .compress
                .compress_vec(input, &mut self.buf, flush)
                .map_err(io::Error::other)?;
            let used = (self.compress.total_in() - before) as usize;
            input = input.get(used..).unwrap_or_default();
            self.out.write_all(&self.buf)?;
            // Done when the input is used up and the output had room to spare (all of the
            // flush is out).
            let room_left = self.buf.len() < self.buf.capacity();
            if (input.is_empty() && room_left) || status == Status::StreamEnd {
                return Ok(());
            }
        }
    }

    /// Ends the piece on a byte boundary; the sink and the piece's trailer share come back.
    pub fn finish(mut self) -> io::Result<(W, Piece)> {
        self.run(&[], FlushCompress::Sync)?;
        self.out.flush()?;
        Ok((self.out, self.piece))
    }
}

impl<W: Write> Write for PieceWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.run(data, FlushCompress::None)?;
        self.piece.crc.update(data);
        self.piece.size += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The gzip member: its header at once, pieces appended, the trailer at the end.
pub struct Member<W: Write> {
    out: W,
    crc: crc32fast::Hasher,
    size: u64,
}

impl<W: Write> Member<W> {
    pub fn new(mut out: W) -> io::Result<Member<W>> {
        out.write_all(&HEADER)?;
        Ok(Member {
            out,
            crc: crc32fast::Hasher::new(),
            size: 0,
        })
    }

    /// Deflates `plain` as a piece of its own.
    pub fn plain(&mut self, plain: &[u8]) -> io::Result<()> {
        let mut piece = PieceWriter::new(&mut self.out);
        piece.write_all(plain)?;
        let (_, piece) = piece.finish()?;
        self.add(&piece);
        Ok(())
    }

    /// Appends a piece deflated elsewhere: its bytes from `deflated`, its share of the trailer.
    pub fn piece(&mut self, deflated: &mut impl io::Read, piece: &Piece) -> io::Result<()> {
        io::copy(deflated, &mut self.out)?;
        self.add(piece);
        Ok(())
    }

    fn add(&mut self, piece: &Piece) {
        self.crc.combine(&piece.crc);
        self.size += piece.size;
    }

    /// Writes the final (empty) block and the trailer; the sink comes back flushed.
    pub fn finish(mut self) -> io::Result<W> {
        let mut last = PieceWriter::new(&mut self.out);
        last.run(&[], FlushCompress::Finish)?;
        let crc = self.crc.clone().finalize();
        self.out.write_all(&crc.to_le_bytes())?;
        // ISIZE is the size modulo 2^32 (RFC 1952).
        self.out.write_all(&(self.size as u32).to_le_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Read;

    use flate2::read::GzDecoder;

    use super::*;

    #[test]
    fn pieces_deflated_apart_read_back_as_one_member() {
        let big: Vec<u8> = (0..300_000u32)
            .flat_map(|i| format!("{{\"id\": {i}, \"text\": \"row {}\"}}\n", i % 97).into_bytes())
            .collect();
        let mut spool = Vec::new();
        let mut writer = PieceWriter::new(&mut spool);
        // Written in uneven chunks, as rows arrive.
        for chunk in big.chunks(7_919) {
            writer.write_all(chunk).unwrap();
        }
        let (_, piece) = writer.finish().unwrap();
        assert_eq!(piece.size(), big.len() as u64);
        let mut member = Member::new(Vec::new()).unwrap();
        member.plain(b"header before").unwrap();
        member.piece(&mut spool.as_slice(), &piece).unwrap();
        member.plain(b"").unwrap();
        member.plain(b"after").unwrap();
        let gz = member.finish().unwrap();
        let mut back = Vec::new();
        GzDecoder::new(gz.as_slice())
            .read_to_end(&mut back)
            .unwrap();
        let mut expected = b"header before".to_vec();
        expected.extend_from_slice(&big);
        expected.extend_from_slice(b"after");
        assert!(back == expected, "the member does not decode to its pieces");
        // Compressed, not stored: the rows repeat a lot.
        assert!(gz.len() < big.len() / 4, "{} bytes", gz.len());
    }

    #[test]
    fn an_empty_member_is_valid_gzip() {
        let gz = Member::new(Vec::new()).unwrap().finish().unwrap();
        let mut back = Vec::new();
        GzDecoder::new(gz.as_slice())
            .read_to_end(&mut back)
            .unwrap();
        assert!(back.is_empty());
    }
}
