package mpo4j.hf;

/**
 * Exact conversions between float32 and the two 16-bit float formats. Java 17 has no
 * {@code Float.float16ToFloat}, so these are written out; the rounding matches PyTorch's
 * {@code .to(torch.bfloat16)} / {@code .to(torch.float16)} (round to nearest, ties to even).
 */
final class HalfFloats {
    private HalfFloats() {}

    /** bfloat16 bits to float32: exact, a bfloat16 is the upper half of a float32. */
    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * float32 to bfloat16 bits as c10's {@code round_to_nearest_even}: NaN becomes the quiet NaN
     * 0x7FC0; otherwise add 0x7FFF plus the lowest kept bit, then truncate.
     */
    static short floatToBf16(float value) {
        if (Float.isNaN(value)) {
            return (short) 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(value);
        int roundingBias = ((bits >>> 16) & 1) + 0x7FFF;
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** IEEE half bits to float32: exact, every half value (subnormals too) is a float32 value. */
    static float f16ToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // zero or subnormal: mantissa * 2^-24, exact in float32
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** float32 to IEEE half bits, round to nearest even; overflow gives infinity, NaN stays NaN. */
    static short floatToF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xFF;
        int mantissa = bits & 0x7FFFFF;
        if (exponent == 0xFF) {
            return (short) (sign | 0x7C00 | (mantissa != 0 ? 0x200 | (mantissa >>> 13) : 0));
        }
        int e = exponent - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            // subnormal half (or zero): value = m * 2^-24 with m = round(full mantissa * 2^(e - 1) / 2^13)
            if (e < -10) {
                return (short) sign;
            }
            int full = mantissa | 0x800000;
            int shift = 14 - e;
            int kept = full >>> shift;
            int rest = full & ((1 << shift) - 1);
            int half = 1 << (shift - 1);
            if (rest > half || (rest == half && (kept & 1) == 1)) {
                kept++;
            }
            return (short) (sign | kept);
        }
        int kept = (e << 10) | (mantissa >>> 13);
        int rest = mantissa & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (kept & 1) == 1)) {
            kept++; // a carry into the exponent is the correct rounding (up to infinity at the top)
        }
        return (short) (sign | kept);
    }
}
