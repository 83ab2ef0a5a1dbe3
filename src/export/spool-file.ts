import { createHash } from "node:crypto";

/**
 * One spooled request on disk: a small header, then the encoded request exactly as it would have been posted.
 *
 *     "LGTS" | version (1 byte) | content-type length n (1 byte) | content type (n bytes, ASCII)
 *     | first 8 bytes of the body's SHA-256 | body
 *
 * Files are written under a temporary name and renamed, so a kill mid-write leaves a `.tmp` file, never a
 * half-written request under its final name. Whatever else goes wrong (a truncated file after a power loss, a
 * bad disk) is caught by the length in the name and the checksum here.
 */
const MAGIC = Buffer.from("LGTS", "ascii");
const VERSION = 1;
const CHECKSUM_BYTES = 8;

export function encodeSpoolFile(contentType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(contentType, "ascii").subarray(0, 255);
  const header = Buffer.alloc(MAGIC.length + 2 + type.length + CHECKSUM_BYTES);
  MAGIC.copy(header, 0);
  header[4] = VERSION;
  header[5] = type.length;
  type.copy(header, 6);
  checksum(body).copy(header, 6 + type.length);
  return Buffer.concat([header, body]);
}

/** The content type and body of a spool file, or undefined when it is not whole and intact. */
export function decodeSpoolFile(file: Buffer): { contentType: string; body: Buffer } | undefined {
  if (file.length < MAGIC.length + 2 || !file.subarray(0, MAGIC.length).equals(MAGIC) || file[4] !== VERSION) return undefined;
  const typeLength = file[5]!;
  const bodyStart = 6 + typeLength + CHECKSUM_BYTES;
  if (file.length < bodyStart) return undefined;
  const body = file.subarray(bodyStart);
  if (!checksum(body).equals(file.subarray(6 + typeLength, bodyStart))) return undefined;
  return { contentType: file.subarray(6, 6 + typeLength).toString("ascii"), body };
}

function checksum(body: Uint8Array): Buffer {
  return createHash("sha256").update(body).digest().subarray(0, CHECKSUM_BYTES);
}

/** A spool file's name: creation time and a sequence number (oldest first when sorted), pid, items, file size. */
export interface SpoolName {
  name: string;
  items: number;
  bytes: number;
}

const NAME = /^(\d{13})-(\d{9})-(\d+)-(\d+)-(\d+)\.req$/;

export function spoolFileName(time: number, seq: number, items: number, bytes: number): string {
  return `${String(Math.max(0, Math.floor(time))).padStart(13, "0")}-${String(seq % 1e9).padStart(9, "0")}-${process.pid}-${items}-${bytes}.req`;
}

/** The parts of a spool file's name (also of its `.tmp` twin), or undefined for any other file. */
export function parseSpoolFileName(name: string): SpoolName | undefined {
  const m = NAME.exec(name.endsWith(".tmp") ? name.slice(0, -4) : name);
  if (m === null) return undefined;
  return { name: name.endsWith(".tmp") ? name.slice(0, -4) : name, items: Number(m[4]), bytes: Number(m[5]) };
}
