/** Little-endian reads from evidence bytes (callers check bounds). */

/** Unsigned 16-bit little-endian at `offset`. */
export const u16 = (b: Uint8Array, offset: number): number => b[offset]! | (b[offset + 1]! << 8);

/** Unsigned 32-bit little-endian at `offset`. */
export const u32 = (b: Uint8Array, offset: number): number => (b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16) | (b[offset + 3]! << 24)) >>> 0;
