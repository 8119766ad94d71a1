"""Connect the way the official RethinkDB Python driver does and report the outcome.

Usage: tls_parity.py CA_FILE HOST PORT

The driver (rethinkdb/net.py) builds its own context instead of ssl.create_default_context:
SSLContext(PROTOCOL_TLS), CERT_REQUIRED, check_hostname, load_verify_locations(ca_certs),
wrap_socket(server_hostname=host). PROTOCOL_TLS_CLIENT is the same with those two set, and
unlike create_default_context on Python 3.13+ it adds neither VERIFY_X509_PARTIAL_CHAIN nor
VERIFY_X509_STRICT, so the outcome does not depend on the Python version.

Prints "connected TLSv1.x" and exits 0, or prints "refused: REASON" and exits 1. The TCP
connection always goes to 127.0.0.1; HOST is the name the certificate is checked against,
as if it had been dialled.
"""

import socket
import ssl
import sys


def main():
    ca_file, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    context.load_verify_locations(ca_file)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                tls.sendall(b"ping")
                answer = b""
                while len(answer) < 4:
                    chunk = tls.recv(4 - len(answer))
                    if not chunk:
                        break
                    answer += chunk
                if answer != b"pong":
                    print("refused: no answer after the handshake")
                    return 1
                print("connected " + str(tls.version()))
                return 0
    except ssl.SSLCertVerificationError as err:
        print("refused: " + str(err.verify_message))
        return 1
    except (ssl.SSLError, OSError) as err:
        print("refused: " + str(err))
        return 1


if __name__ == "__main__":
    sys.exit(main())
