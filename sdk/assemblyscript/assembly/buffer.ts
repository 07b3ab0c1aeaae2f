// ByteBuf: a growable byte buffer with little-endian append helpers, used
// for the ABI output buffer, JSON strings and plugin scratch space. Reset
// with reset(); the memory is kept and reused.

export class ByteBuf {
  buf: ArrayBuffer;
  len: i32 = 0;

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
  ensure(n: i32): void {
    const need = this.len + n;
    const cap = this.buf.byteLength;
    if (need <= cap) return;
    let c = cap * 2;
    if (c < need) c = need;
    const nb = new ArrayBuffer(c);
    memory.copy(changetype<usize>(nb), changetype<usize>(this.buf), <usize>this.len);
    this.buf = nb;
  }

  u8(v: u8): void {
    this.ensure(1);
    store<u8>(this.ptr + <usize>this.len, v);
    this.len += 1;
  }

  u32(v: u32): void {
    this.ensure(4);
    store<u32>(this.ptr + <usize>this.len, v);
    this.len += 4;
  }

  @inline i32(v: i32): void {
    this.u32(<u32>v);
  }

  /** Appends n bytes from address p. */
  bytes(p: usize, n: i32): void {
    if (n <= 0) return;
    this.ensure(n);
    memory.copy(this.ptr + <usize>this.len, p, <usize>n);
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
