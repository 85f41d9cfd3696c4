extension DefaultKernels {
    /// Vectorised float32 exp, sigmoid and tanh (Cephes-style range reduction and polynomials,
    /// within about 2 ulp of the C library over the normal range), evaluated eight lanes at a
    /// time. Results that would be subnormal flush to 0 (exp) or to about 3e-39 (sigmoid);
    /// NaN propagates.
    enum VectorMath {
        typealias Vector = SIMD8<Float>

        static let upperLimit: Float = 88.72283
        static let lowerLimit: Float = -87.33654

        /// `x` limited to the range where `e^x` is a normal float; NaN passes through.
        @inline(__always)
        static func clampedExponent(_ x: Vector) -> Vector {
            var clamped = x
            clamped.replace(with: upperLimit, where: x .> Vector(repeating: upperLimit))
            clamped.replace(with: lowerLimit, where: x .< Vector(repeating: lowerLimit))
            return clamped
        }

        /// `e^x` for `x` already within `[lowerLimit, upperLimit]` (or NaN, which propagates).
        @inline(__always)
        static func expInRange(_ x: Vector) -> Vector {
            // n = round(x / ln 2) via the 1.5 * 2^23 trick (no SSE4.1 rounding needed); the low
            // mantissa bits of `shifted` then hold n as an integer.
            let magic = Vector(repeating: 12582912)
            let shifted = x * Vector(repeating: 1.44269504) + magic
            let n = shifted - magic
            let r = x - n * Vector(repeating: 0.693359375) - n * Vector(repeating: -2.12194440e-4)
            var p = Vector(repeating: 1.9875691500e-4)
            p = p * r + Vector(repeating: 1.3981999507e-3)
            p = p * r + Vector(repeating: 8.3334519073e-3)
            p = p * r + Vector(repeating: 4.1665795894e-2)
            p = p * r + Vector(repeating: 1.6666665459e-1)
            p = p * r + Vector(repeating: 5.0000001201e-1)
            p = p * (r * r) + r + Vector(repeating: 1)
            // 2^n from exponent bits, in two halves so n = 128 (x near the upper limit) stays finite.
            let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
            let half = integer &>> 1
            let scaleLow = unsafeBitCast((half &+ 127) &<< 23, to: Vector.self)
            let scaleHigh = unsafeBitCast((integer &- half &+ 127) &<< 23, to: Vector.self)
            return p * scaleLow * scaleHigh
        }

        /// `e^x`: +infinity above the float range, 0 where the result would be subnormal.
        @inline(__always)
        static func exp(_ x: Vector) -> Vector {
            var result = expInRange(clampedExponent(x))
            result.replace(with: .infinity, where: x .> Vector(repeating: upperLimit))
            result.replace(with: 0, where: x .< Vector(repeating: lowerLimit))
            return result
        }

        /// `1 / (1 + e^-x)`.
        @inline(__always)
        static func sigmoid(_ x: Vector) -> Vector {
            // Saturating the exponent changes results only below 3e-38.
            Vector(repeating: 1) / (Vector(repeating: 1) + expInRange(clampedExponent(-x)))
        }

        /// `tanh(x)`: an odd polynomial for |x| < 0.625, `1 - 2 / (e^2x + 1)` otherwise.
        @inline(__always)
        static func tanh(_ x: Vector) -> Vector {
            let z = x * x
            var small = Vector(repeating: -5.70498872745e-3)
            small = small * z + Vector(repeating: 2.06390887954e-2)
            small = small * z + Vector(repeating: -5.37397155531e-2)
            small = small * z + Vector(repeating: 1.33314422036e-1)
            small = small * z + Vector(repeating: -3.33332819422e-1)
            small = small * z * x + x
            let large = Vector(repeating: 1) - Vector(repeating: 2) / (expInRange(clampedExponent(x + x)) + Vector(repeating: 1))
            var result = large
            result.replace(with: small, where: z .< Vector(repeating: 0.390625))
            return result
        }

        /// A function of eight lanes, passed as a type so loops specialise on it.
        protocol Function {
            static func apply(_ x: Vector) -> Vector
        }

        enum Exp: Function {
            @inline(__always) static func apply(_ x: Vector) -> Vector { exp(x) }
        }

        enum Sigmoid: Function {
            @inline(__always) static func apply(_ x: Vector) -> Vector { sigmoid(x) }
        }

        enum Tanh: Function {
            @inline(__always) static func apply(_ x: Vector) -> Vector { tanh(x) }
        }

        /// Applies `F` to every element, eight at a time; the tail is padded.
        static func map<F: Function>(_ input: [Float], _ function: F.Type) -> [Float] {
            input.withUnsafeBufferPointer { source in
                makeArray(count: source.count) { (out: UnsafeMutablePointer<Float>) in
                    let base = source.baseAddress!, count = source.count
                    var index = 0
                    while index + 8 <= count {
                        let value = F.apply(UnsafeRawPointer(base + index).loadUnaligned(as: Vector.self))
                        UnsafeMutableRawPointer(out + index).storeBytes(of: value, as: Vector.self)
                        index += 8
                    }
                    if index < count {
                        var tail = Vector()
                        for lane in 0..<(count - index) { tail[lane] = base[index + lane] }
                        let value = F.apply(tail)
                        for lane in 0..<(count - index) { (out + index + lane).initialize(to: value[lane]) }
                    }
                }
            }
        }
    }
}
