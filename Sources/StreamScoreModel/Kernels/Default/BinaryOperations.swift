extension DefaultKernels {
    struct AddOperation<N: NumericType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: N.Scalar, _ b: N.Scalar) -> N.Scalar { N.add(a, b) }
    }

    struct SubtractOperation<N: NumericType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: N.Scalar, _ b: N.Scalar) -> N.Scalar { N.subtract(a, b) }
    }

    struct MultiplyOperation<N: NumericType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: N.Scalar, _ b: N.Scalar) -> N.Scalar { N.multiply(a, b) }
    }

    struct DivideOperation<N: NumericType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: N.Scalar, _ b: N.Scalar) -> N.Scalar { N.divide(a, b) }
    }

    struct MaximumOperation<N: NumericType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: N.Scalar, _ b: N.Scalar) -> N.Scalar { N.maximum(a, b) }
    }

    struct MinimumOperation<N: NumericType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: N.Scalar, _ b: N.Scalar) -> N.Scalar { N.minimum(a, b) }
    }

    /// Integer remainder: with `truncated` the sign follows the dividend (C `%`, Mod fmod=1),
    /// otherwise the divisor (Python `%`, Mod fmod=0). Division by zero gives 0.
    struct IntegerModOperation<N: IntegerType>: BinaryOperation {
        let truncated: Bool
        @inline(__always) func callAsFunction(_ a: N.Scalar, _ b: N.Scalar) -> N.Scalar {
            if b == 0 { return 0 }
            let remainder = a.remainderReportingOverflow(dividingBy: b).partialValue
            if truncated || remainder == 0 || (remainder < 0) == (b < 0) { return remainder }
            return remainder &+ b
        }
    }

    /// C `fmod` for floating types (Mod with fmod=1).
    struct FloatingModOperation<F: FloatingType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: F.Scalar, _ b: F.Scalar) -> F.Scalar { F.truncatingRemainder(a, b) }
    }

    /// `pow` in the base's own type (used when base and exponent are both float32 or both float64).
    struct FloatingPowerOperation<F: FloatingType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: F.Scalar, _ b: F.Scalar) -> F.Scalar { F.power(a, b) }
    }

    /// `pow` computed in double precision and converted back to the base type (mixed types, integers).
    struct MixedPowerOperation<N: NumericType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: N.Scalar, _ b: Double) -> N.Scalar {
            N.fromDouble(libmPower(N.toDouble(a), b))
        }
    }

    struct EqualOperation<S: StorageType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: S.Scalar, _ b: S.Scalar) -> Bool { a == b }
    }

    struct GreaterOperation<N: NumericType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: N.Scalar, _ b: N.Scalar) -> Bool { a > b }
    }

    struct LessOperation<N: NumericType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: N.Scalar, _ b: N.Scalar) -> Bool { a < b }
    }

    struct GreaterOrEqualOperation<N: NumericType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: N.Scalar, _ b: N.Scalar) -> Bool { a >= b }
    }

    struct LessOrEqualOperation<N: NumericType>: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: N.Scalar, _ b: N.Scalar) -> Bool { a <= b }
    }

    struct AndOperation: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { a && b }
    }

    struct OrOperation: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { a || b }
    }

    struct XorOperation: BinaryOperation {
        @inline(__always) func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { a != b }
    }
}
