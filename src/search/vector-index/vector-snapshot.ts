import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * One-file snapshot of an exact index's rows: ids, unit vectors and the change-sequence watermark
 * they reflect. Written to a temporary file, fsynced and renamed over the old one, so a crash
 * leaves either the old or the new snapshot, never half of one; a CRC-32 over the whole file
 * catches what the rename cannot (a torn disk, a truncated copy), and the caller rebuilds from
 * SQLite instead of trusting it.
 *
 * Layout (little endian): "MSVECSNP" | u32 header length | header JSON | f64 ids[count] |
 * f32 vectors[count × stride] (rows as the exact index stores them, padded) | when the header's
 * `lists` > 0: i32 list of each row[count], f32 centroids[lists × stride] | u32 CRC-32 of
 * everything before it. Reading fills the exact index's own memory, so loading a million 512-d
 * vectors needs no second 2 GB copy.
 */
const MAGIC = Buffer.from('MSVECSNP', 'latin1');
const FORMAT_VERSION = 2;
const CHUNK_BYTES = 64 << 20;

export interface SnapshotHeader {
  readonly version: number;
  readonly dim: number;
  /** Floats per stored row (dim padded). */
  readonly stride: number;
  readonly count: number;
  /** Number of partition centroids stored (0: none). */
  readonly lists: number;
  /** The change sequence the rows reflect: replaying changes after it brings them up to date. */
  readonly watermark: number;
  /** Free-form identity (e.g. the embedding model) checked on load. */
  readonly tag: string;
}

export class SnapshotCorruptError extends Error {
  constructor(file: string, reason: string) {
    super(`vector snapshot ${file} is unusable: ${reason}`);
    this.name = 'SnapshotCorruptError';
  }
}

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

export interface SnapshotPartitions {
  /** The list of each row, in row order. */
  readonly labels: Int32Array;
  /** Centroids, `stride` floats each. */
  readonly centroids: Float32Array;
}

export function writeSnapshot(
  file: string,
  rows: { ids: Float64Array; vectors: Float32Array; partitions?: SnapshotPartitions | null },
  meta: { dim: number; stride: number; watermark: number; tag: string },
): void {
  const count = rows.ids.length;
  if (rows.vectors.length !== count * meta.stride) throw new Error('snapshot rows and stride disagree');
  const partitions = rows.partitions ?? null;
  if (partitions && (partitions.labels.length !== count || partitions.centroids.length % meta.stride !== 0)) {
    throw new Error('snapshot partitions and rows disagree');
  }
  const lists = partitions ? partitions.centroids.length / meta.stride : 0;
  const header: SnapshotHeader = {
    version: FORMAT_VERSION,
    dim: meta.dim,
    stride: meta.stride,
    count,
    lists,
    watermark: meta.watermark,
    tag: meta.tag,
  };
  const headerJson = Buffer.from(JSON.stringify(header), 'utf8');
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32LE(headerJson.length);

  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(temp, 'w');
  try {
    let crc = 0;
    const write = (buffer: Buffer): void => {
      for (let offset = 0; offset < buffer.length; offset += CHUNK_BYTES) {
        const chunk = buffer.subarray(offset, Math.min(buffer.length, offset + CHUNK_BYTES));
        crc = zlib.crc32(chunk, crc);
        let written = 0;
        while (written < chunk.length) written += fs.writeSync(fd, chunk, written);
      }
    };
    write(MAGIC);
    write(headerLength);
    write(headerJson);
    write(bytesOf(rows.ids));
    write(bytesOf(rows.vectors));
    if (partitions) {
      write(bytesOf(partitions.labels));
      write(bytesOf(partitions.centroids));
    }
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32LE(crc >>> 0);
    fs.writeSync(fd, trailer);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, file);
  syncDirectory(path.dirname(file));
}

/**
 * Reads and verifies a snapshot into the arrays `allocate` returns for its row count; throws
 * SnapshotCorruptError for anything but a complete, matching file (the arrays then hold garbage).
 */
export function readSnapshot(
  file: string,
  expected: { dim: number; stride: number; tag: string },
  allocate: (count: number) => { ids: Float64Array; vectors: Float32Array },
): { header: SnapshotHeader; partitions: SnapshotPartitions | null } {
  const fd = fs.openSync(file, 'r');
  try {
    const fileSize = fs.fstatSync(fd).size;
    const readExactly = (target: ArrayBufferView, position: number): void => {
      const bytes = bytesOf(target);
      let done = 0;
      while (done < bytes.length) {
        const n = fs.readSync(fd, bytes, done, Math.min(CHUNK_BYTES, bytes.length - done), position + done);
        if (n === 0) throw new SnapshotCorruptError(file, 'truncated');
        done += n;
      }
    };
    if (fileSize < MAGIC.length + 8) throw new SnapshotCorruptError(file, 'too short');
    const prefix = Buffer.alloc(MAGIC.length + 4);
    readExactly(prefix, 0);
    if (!prefix.subarray(0, MAGIC.length).equals(MAGIC)) throw new SnapshotCorruptError(file, 'not a vector snapshot');
    const headerLength = prefix.readUInt32LE(MAGIC.length);
    if (headerLength > 65536 || MAGIC.length + 4 + headerLength > fileSize) throw new SnapshotCorruptError(file, 'bad header length');
    const headerBytes = Buffer.alloc(headerLength);
    readExactly(headerBytes, prefix.length);
    let header: SnapshotHeader;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as SnapshotHeader;
    } catch {
      throw new SnapshotCorruptError(file, 'unreadable header');
    }
    if (header.version !== FORMAT_VERSION) throw new SnapshotCorruptError(file, `format version ${header.version}`);
    if (header.stride !== expected.stride) throw new SnapshotCorruptError(file, `stride ${header.stride}, expected ${expected.stride}`);
    if (header.dim !== expected.dim) throw new SnapshotCorruptError(file, `dimension ${header.dim}, expected ${expected.dim}`);
    if (header.tag !== expected.tag) throw new SnapshotCorruptError(file, `tag ${JSON.stringify(header.tag)}, expected ${JSON.stringify(expected.tag)}`);
    if (!Number.isInteger(header.count) || header.count < 0 || !Number.isInteger(header.lists) || header.lists < 0 || !Number.isFinite(header.watermark)) {
      throw new SnapshotCorruptError(file, 'bad header values');
    }
    const idsOffset = prefix.length + headerLength;
    const vectorsOffset = idsOffset + header.count * 8;
    const labelsOffset = vectorsOffset + header.count * header.stride * 4;
    const centroidsOffset = labelsOffset + (header.lists > 0 ? header.count * 4 : 0);
    const crcOffset = centroidsOffset + header.lists * header.stride * 4;
    if (crcOffset + 4 !== fileSize) throw new SnapshotCorruptError(file, `size ${fileSize}, expected ${crcOffset + 4}`);
    const { ids, vectors } = allocate(header.count);
    if (ids.length !== header.count || vectors.length !== header.count * header.stride) throw new Error('allocated arrays do not fit the snapshot');
    readExactly(ids, idsOffset);
    readExactly(vectors, vectorsOffset);
    const partitions =
      header.lists > 0 ? { labels: new Int32Array(header.count), centroids: new Float32Array(header.lists * header.stride) } : null;
    if (partitions) {
      readExactly(partitions.labels, labelsOffset);
      readExactly(partitions.centroids, centroidsOffset);
      if (partitions.labels.some((list) => list < 0 || list >= header.lists)) throw new SnapshotCorruptError(file, 'bad partition labels');
    }
    const trailer = Buffer.alloc(4);
    readExactly(trailer, crcOffset);
    let crc = zlib.crc32(prefix);
    crc = zlib.crc32(headerBytes, crc);
    crc = zlib.crc32(bytesOf(ids), crc);
    const vectorBytes = bytesOf(vectors);
    for (let offset = 0; offset < vectorBytes.length; offset += CHUNK_BYTES) {
      crc = zlib.crc32(vectorBytes.subarray(offset, offset + CHUNK_BYTES), crc);
    }
    if (partitions) {
      crc = zlib.crc32(bytesOf(partitions.labels), crc);
      crc = zlib.crc32(bytesOf(partitions.centroids), crc);
    }
    if (crc >>> 0 !== trailer.readUInt32LE(0)) throw new SnapshotCorruptError(file, 'checksum mismatch');
    return { header, partitions };
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a rename durable: on Linux the directory entry must be fsynced too. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
