import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Where attachment bytes live. The database holds the metadata (table `attachments`) and the key;
 * a driver holds the bytes. Keys are made by the hub from ids and hashes (`t12/345-0-9f86d081884c7d65`),
 * never from a citizen's file name. Drivers must be safe to call twice with the same key
 * (a retried job writes the same bytes again).
 */
export interface AttachmentStore {
  readonly driver: string;
  /** Stores the bytes under the key, replacing what was there; resolves once durable. */
  put(key: string, data: Buffer): Promise<void>;
  /** The bytes as a stream, or null when no object has this key. */
  get(key: string): Promise<Readable | null>;
  /** Removes the object; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
}

const KEY = /^[a-z0-9][a-z0-9_-]{0,63}(\/[a-z0-9][a-z0-9_-]{0,127}){0,3}$/;

export class InvalidStorageKeyError extends Error {}

/** Keys are lower-case ASCII segments separated by '/': no '..', no absolute paths, no backslashes. */
export function assertStorageKey(key: string): void {
  if (!KEY.test(key)) throw new InvalidStorageKeyError(`invalid attachment storage key: ${JSON.stringify(key).slice(0, 80)}`);
}

/** Files under DATA_DIR/attachments, written to a temporary name and renamed, so a reader never sees half a file. */
export class FsAttachmentStore implements AttachmentStore {
  readonly driver = 'fs';
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private pathOf(key: string): string {
    assertStorageKey(key);
    const p = path.resolve(this.root, ...key.split('/'));
    // Belt and braces: the key pattern already rules out escaping the root.
    if (!p.startsWith(this.root + path.sep)) throw new InvalidStorageKeyError(`key escapes the attachment root: ${key}`);
    return p;
  }

  async put(key: string, data: Buffer): Promise<void> {
    const target = this.pathOf(key);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await fsp.open(tmp, 'wx', 0o640);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fsp.rename(tmp, target);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Readable | null> {
    const p = this.pathOf(key);
    try {
      const fh = await fsp.open(p, 'r');
      return fh.createReadStream();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.pathOf(key), { force: true });
  }

  /** For tests and operators: where a key lives on disk. */
  locate(key: string): string {
    return this.pathOf(key);
  }

  exists(key: string): boolean {
    return fs.existsSync(this.pathOf(key));
  }
}
