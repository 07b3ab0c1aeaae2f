// ByteBuf: a growable byte buffer with little-endian append helpers, used
// for the ABI output buffer, JSON strings and plugin scratch space. Reset
// with reset(); the memory is kept and reused.

export class ByteBuf {
  buf: ArrayBuffer;
  len: i32 = 0;
  private v: Uint8Array | null = null; // the view() object

  constructor(capacity: i32 = 256) {
    this.buf = new ArrayBuffer(capacity > 16 ? capacity : 16);
  }

  /** Address of the first byte; changes when the buffer grows. */
  @inline get ptr(): usize {
    return changetype<usize>(this.buf);
  }

  @inline reset(): void {
    this.len = 0;
  }

  /** Makes room for n more bytes. */
  @inline ensure(n: i32): void {
    if (this.len + n > this.buf.byteLength) this.grow(n);
  }

  private grow(n: i32): void {
    const need = this.len + n;
    let c = this.buf.byteLength * 2;
    if (c < need) c = need;
    const nb = new ArrayBuffer(c);
    memory.copy(changetype<usize>(nb), changetype<usize>(this.buf), <usize>this.len);
    this.buf = nb;
  }

  @inline u8(v: u8): void {
    this.ensure(1);
    store<u8>(this.ptr + <usize>this.len, v);
    this.len += 1;
  }

  @inline u32(v: u32): void {
    this.ensure(4);
    store<u32>(this.ptr + <usize>this.len, v);
    this.len += 4;
  }

  @inline i32(v: i32): void {
    this.u32(<u32>v);
  }

  /** Appends n bytes from address p. Inlined: it is on every plugin's hot path. */
  @inline bytes(p: usize, n: i32): void {
    if (n <= 0) return;
    this.ensure(n);
    copyBytes(this.ptr + <usize>this.len, p, n);
    this.len += n;
  }

  array(a: Uint8Array): void {
    this.bytes(a.dataStart, a.length);
  }

  /** Appends the UTF-8 encoding of s. */
  str(s: string): void {
    const n = String.UTF8.byteLength(s);
    this.ensure(n);
    String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, this.ptr + <usize>this.len);
    this.len += n;
  }

  /** Appends the ASCII text of v in decimal. */
  decimal(v: i64): void {
    if (v < 0) {
      this.u8(0x2d);
      this.udecimal(<u64>(-v)); // -MIN wraps to MIN, read as u64 it is 2^63
      return;
    }
    this.udecimal(<u64>v);
  }

  udecimal(v: u64): void {
    let digits: i32 = 1;
    for (let t = v; t >= 10; t /= 10) digits++;
    this.ensure(digits);
    let p = this.ptr + <usize>(this.len + digits);
    do {
      p--;
      store<u8>(p, <u8>(0x30 + <i32>(v % 10)));
      v /= 10;
    } while (v != 0);
    this.len += digits;
  }

  /**
   * A view of the contents (no copy). The view object is reused by the
   * next call: valid until the buffer is next changed or viewed.
   */
  view(): Uint8Array {
    const v = reuseView(this.v, this.buf, 0, this.len);
    this.v = v;
    return v;
  }

  /** A new Uint8Array with a copy of the contents. */
  toArray(): Uint8Array {
    const a = new Uint8Array(this.len);
    memory.copy(a.dataStart, this.ptr, <usize>this.len);
    return a;
  }

  /** A new string decoded from the contents as UTF-8. */
  toString(): string {
    return String.UTF8.decodeUnsafe(this.ptr, <usize>this.len);
  }
}

/**
 * A Uint8Array over buf[off, off+len): v itself, re-pointed, when it is a
 * view of buf (no allocation), else a new view.
 */
export function reuseView(v: Uint8Array | null, buf: ArrayBuffer, off: i32, len: i32): Uint8Array {
  if (v === null || changetype<usize>(v.buffer) != changetype<usize>(buf)) return Uint8Array.wrap(buf, off, len);
  const p = changetype<usize>(v);
  store<usize>(p, changetype<usize>(buf) + <usize>off, offsetof<Uint8Array>("dataStart"));
  store<i32>(p, len, offsetof<Uint8Array>("byteLength"));
  return v;
}

/**
 * Copies n > 0 bytes from src to dst (non-overlapping). Short copies use
 * word loads and stores: memory.copy costs a call into the host's memmove.
 */
@inline export function copyBytes(dst: usize, src: usize, n: i32): void {
  if (n <= 16) copySmall(dst, src, n);
  else memory.copy(dst, src, <usize>n);
}

function copySmall(dst: usize, src: usize, n: i32): void {
  if (n >= 8) {
    // Two (possibly overlapping) 8-byte words cover 8..16 bytes.
    const a = load<u64>(src);
    const b = load<u64>(src + <usize>n - 8);
    store<u64>(dst, a);
    store<u64>(dst + <usize>n - 8, b);
  } else if (n >= 4) {
    const a = load<u32>(src);
    const b = load<u32>(src + <usize>n - 4);
    store<u32>(dst, a);
    store<u32>(dst + <usize>n - 4, b);
  } else if (n > 0) {
    // 1..3 bytes: first, middle and last (some the same byte).
    const a = load<u8>(src);
    const b = load<u8>(src + <usize>(n >> 1));
    const c = load<u8>(src + <usize>n - 1);
    store<u8>(dst, a);
    store<u8>(dst + <usize>(n >> 1), b);
    store<u8>(dst + <usize>n - 1, c);
  }
}

/** Reports whether the n bytes at a and b are equal (word compares, no call). */
export function equalBytes(a: usize, b: usize, n: i32): bool {
  if (n >= 8) {
    let i: i32 = 0;
    for (; i + 8 <= n; i += 8) {
      if (load<u64>(a + <usize>i) != load<u64>(b + <usize>i)) return false;
    }
    return i == n || load<u64>(a + <usize>n - 8) == load<u64>(b + <usize>n - 8);
  }
  if (n >= 4) return load<u32>(a) == load<u32>(b) && load<u32>(a + <usize>n - 4) == load<u32>(b + <usize>n - 4);
  for (let i: i32 = 0; i < n; i++) {
    if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  }
  return true;
}

/** Compares n bytes at a and b like memcmp. */
@inline export function compareBytes(a: usize, an: i32, b: usize, bn: i32): i32 {
  const n = an < bn ? an : bn;
  const c = memory.compare(a, b, <usize>n);
  if (c != 0) return c;
  return an - bn;
}

/** Reports whether the UTF-8 bytes at p..p+n equal the UTF-8 encoding of s, without allocating. */
export function utf8Equals(p: usize, n: i32, s: string): bool {
  const units = s.length;
  let j: i32 = 0;
  for (let i: i32 = 0; i < units; i++) {
    let c = <u32>s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < units) {
      const lo = <u32>s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) {
      if (j + 1 > n || load<u8>(p + <usize>j) != <u8>c) return false;
      j += 1;
    } else if (c < 0x800) {
      if (j + 2 > n) return false;
      if (load<u8>(p + <usize>j) != <u8>(0xc0 | (c >> 6))) return false;
      if (load<u8>(p + <usize>j + 1) != <u8>(0x80 | (c & 0x3f))) return false;
      j += 2;
    } else if (c < 0x10000) {
      if (j + 3 > n) return false;
      if (load<u8>(p + <usize>j) != <u8>(0xe0 | (c >> 12))) return false;
      if (load<u8>(p + <usize>j + 1) != <u8>(0x80 | ((c >> 6) & 0x3f))) return false;
      if (load<u8>(p + <usize>j + 2) != <u8>(0x80 | (c & 0x3f))) return false;
      j += 3;
    } else {
      if (j + 4 > n) return false;
      if (load<u8>(p + <usize>j) != <u8>(0xf0 | (c >> 18))) return false;
      if (load<u8>(p + <usize>j + 1) != <u8>(0x80 | ((c >> 12) & 0x3f))) return false;
      if (load<u8>(p + <usize>j + 2) != <u8>(0x80 | ((c >> 6) & 0x3f))) return false;
      if (load<u8>(p + <usize>j + 3) != <u8>(0x80 | (c & 0x3f))) return false;
      j += 4;
    }
  }
  return j == n;
}
