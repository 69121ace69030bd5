package runner

import (
	"encoding/binary"
	"math"
	"math/rand/v2"

	"github.com/yologate/yologate/internal/errs"
)

// fillRandom fills buf, a tensor of element type typ in native byte order,
// with values drawn from a generator seeded by seed: uniform in [0,1) for
// floating-point types (what a normalized image holds), uniform in [0,255]
// for uint8. The same seed always gives the same bytes.
func fillRandom(buf []byte, typ string, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	switch typ {
	case "float32":
		for i := 0; i+4 <= len(buf); i += 4 {
			binary.NativeEndian.PutUint32(buf[i:], math.Float32bits(rng.Float32()))
		}
	case "float16":
		for i := 0; i+2 <= len(buf); i += 2 {
			binary.NativeEndian.PutUint16(buf[i:], float16bits(rng.Float32()))
		}
	case "uint8":
		for i := range buf {
			buf[i] = byte(rng.UintN(256))
		}
	default:
		return errs.Inputf("model", "", "cannot fill an image input of element type %q", typ)
	}
	return nil
}

// float16bits converts f, in [0,1], to IEEE 754 half precision, rounding
// to nearest even.
func float16bits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int((b>>23)&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case exp >= 31:
		return sign | 0x7c00 // overflow: infinity (not reached for [0,1])
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint(14 - exp)
		half := uint32(1) << (shift - 1)
		r := mant >> shift
		if rem := mant & (half<<1 - 1); rem > half || (rem == half && r&1 == 1) {
			r++
		}
		return sign | uint16(r)
	}
	r := uint16(exp)<<10 | uint16(mant>>13)
	if rem := mant & 0x1fff; rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
		r++ // a carry into the exponent is still the right rounding
	}
	return sign | r
}
