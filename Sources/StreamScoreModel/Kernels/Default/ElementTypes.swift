#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// File-scope wrappers so the static members below can call the C functions of the same name.
@inline(__always) private func libm_exp(_ x: Double) -> Double { exp(x) }
@inline(__always) private func libm_log(_ x: Double) -> Double { log(x) }
@inline(__always) private func libm_tanh(_ x: Double) -> Double { tanh(x) }
@inline(__always) private func libm_erf(_ x: Double) -> Double { erf(x) }
@inline(__always) private func libm_pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

extension DefaultKernels {
    /// `pow` from the C library, for kernels computing in double precision.
    @inline(__always) static func libmPower(_ x: Double, _ y: Double) -> Double { pow(x, y) }

    /// A witness for one `TensorData` case: how to unwrap and wrap its Swift array.
    /// Kernels are generic over witnesses (not over the scalar types themselves) so the
    /// module adds no members to standard library types.
    protocol StorageType {
        associatedtype Scalar: Sendable & Equatable
        static var elementType: ElementType { get }
        static func unwrap(_ data: TensorData) -> [Scalar]?
        static func wrap(_ values: [Scalar]) -> TensorData
    }

    /// A numeric element type: float32, float64, int64 or int32.
    /// Integer arithmetic wraps on overflow; integer division truncates toward zero and
    /// yields 0 when dividing by zero (instead of trapping).
    protocol NumericType: StorageType where Scalar: Comparable {
        static var zero: Scalar { get }
        static var one: Scalar { get }
        /// The identity of `maximum`: -infinity for floats, the minimum for integers.
        static var lowest: Scalar { get }
        /// The identity of `minimum`: +infinity for floats, the maximum for integers.
        static var highest: Scalar { get }
        static func add(_ a: Scalar, _ b: Scalar) -> Scalar
        static func subtract(_ a: Scalar, _ b: Scalar) -> Scalar
        static func multiply(_ a: Scalar, _ b: Scalar) -> Scalar
        static func divide(_ a: Scalar, _ b: Scalar) -> Scalar
        static func negate(_ a: Scalar) -> Scalar
        static func absolute(_ a: Scalar) -> Scalar
        /// The larger value; NaN if either is NaN.
        static func maximum(_ a: Scalar, _ b: Scalar) -> Scalar
        /// The smaller value; NaN if either is NaN.
        static func minimum(_ a: Scalar, _ b: Scalar) -> Scalar
        static func isNaN(_ a: Scalar) -> Bool
        static func toDouble(_ a: Scalar) -> Double
        /// Converts like a C cast: integers truncate toward zero; NaN and out-of-range
        /// values become the integer minimum (what x86 conversion instructions produce).
        static func fromDouble(_ a: Double) -> Scalar
        static func fromInt(_ a: Int) -> Scalar
    }

    /// float32 or float64.
    protocol FloatingType: NumericType where Scalar: BinaryFloatingPoint {
        static func exp(_ a: Scalar) -> Scalar
        static func log(_ a: Scalar) -> Scalar
        static func squareRoot(_ a: Scalar) -> Scalar
        static func tanh(_ a: Scalar) -> Scalar
        static func erf(_ a: Scalar) -> Scalar
        static func power(_ a: Scalar, _ b: Scalar) -> Scalar
        static func truncatingRemainder(_ a: Scalar, _ b: Scalar) -> Scalar
    }

    /// int64 or int32.
    protocol IntegerType: NumericType where Scalar: FixedWidthInteger & SignedInteger {}

    enum Float32Type: FloatingType {
        typealias Scalar = Float
        static var elementType: ElementType { .float32 }
        @inline(__always) static func unwrap(_ data: TensorData) -> [Float]? {
            if case .float32(let values) = data { return values }
            return nil
        }
        @inline(__always) static func wrap(_ values: [Float]) -> TensorData { .float32(values) }
        static var zero: Float { 0 }
        static var one: Float { 1 }
        static var lowest: Float { -.infinity }
        static var highest: Float { .infinity }
        @inline(__always) static func add(_ a: Float, _ b: Float) -> Float { a + b }
        @inline(__always) static func subtract(_ a: Float, _ b: Float) -> Float { a - b }
        @inline(__always) static func multiply(_ a: Float, _ b: Float) -> Float { a * b }
        @inline(__always) static func divide(_ a: Float, _ b: Float) -> Float { a / b }
        @inline(__always) static func negate(_ a: Float) -> Float { -a }
        @inline(__always) static func absolute(_ a: Float) -> Float { Swift.abs(a) }
        @inline(__always) static func maximum(_ a: Float, _ b: Float) -> Float { (a > b || a.isNaN) ? a : b }
        @inline(__always) static func minimum(_ a: Float, _ b: Float) -> Float { (a < b || a.isNaN) ? a : b }
        @inline(__always) static func isNaN(_ a: Float) -> Bool { a.isNaN }
        @inline(__always) static func toDouble(_ a: Float) -> Double { Double(a) }
        @inline(__always) static func fromDouble(_ a: Double) -> Float { Float(a) }
        @inline(__always) static func fromInt(_ a: Int) -> Float { Float(a) }
        @inline(__always) static func exp(_ a: Float) -> Float { expf(a) }
        @inline(__always) static func log(_ a: Float) -> Float { logf(a) }
        @inline(__always) static func squareRoot(_ a: Float) -> Float { a.squareRoot() }
        @inline(__always) static func tanh(_ a: Float) -> Float { tanhf(a) }
        @inline(__always) static func erf(_ a: Float) -> Float { erff(a) }
        @inline(__always) static func power(_ a: Float, _ b: Float) -> Float { powf(a, b) }
        @inline(__always) static func truncatingRemainder(_ a: Float, _ b: Float) -> Float { fmodf(a, b) }
    }

    enum Float64Type: FloatingType {
        typealias Scalar = Double
        static var elementType: ElementType { .float64 }
        @inline(__always) static func unwrap(_ data: TensorData) -> [Double]? {
            if case .float64(let values) = data { return values }
            return nil
        }
        @inline(__always) static func wrap(_ values: [Double]) -> TensorData { .float64(values) }
        static var zero: Double { 0 }
        static var one: Double { 1 }
        static var lowest: Double { -.infinity }
        static var highest: Double { .infinity }
        @inline(__always) static func add(_ a: Double, _ b: Double) -> Double { a + b }
        @inline(__always) static func subtract(_ a: Double, _ b: Double) -> Double { a - b }
        @inline(__always) static func multiply(_ a: Double, _ b: Double) -> Double { a * b }
        @inline(__always) static func divide(_ a: Double, _ b: Double) -> Double { a / b }
        @inline(__always) static func negate(_ a: Double) -> Double { -a }
        @inline(__always) static func absolute(_ a: Double) -> Double { Swift.abs(a) }
        @inline(__always) static func maximum(_ a: Double, _ b: Double) -> Double { (a > b || a.isNaN) ? a : b }
        @inline(__always) static func minimum(_ a: Double, _ b: Double) -> Double { (a < b || a.isNaN) ? a : b }
        @inline(__always) static func isNaN(_ a: Double) -> Bool { a.isNaN }
        @inline(__always) static func toDouble(_ a: Double) -> Double { a }
        @inline(__always) static func fromDouble(_ a: Double) -> Double { a }
        @inline(__always) static func fromInt(_ a: Int) -> Double { Double(a) }
        @inline(__always) static func exp(_ a: Double) -> Double { libm_exp(a) }
        @inline(__always) static func log(_ a: Double) -> Double { libm_log(a) }
        @inline(__always) static func squareRoot(_ a: Double) -> Double { a.squareRoot() }
        @inline(__always) static func tanh(_ a: Double) -> Double { libm_tanh(a) }
        @inline(__always) static func erf(_ a: Double) -> Double { libm_erf(a) }
        @inline(__always) static func power(_ a: Double, _ b: Double) -> Double { libm_pow(a, b) }
        @inline(__always) static func truncatingRemainder(_ a: Double, _ b: Double) -> Double { fmod(a, b) }
    }

    enum Int64Type: IntegerType {
        typealias Scalar = Int64
        static var elementType: ElementType { .int64 }
        @inline(__always) static func unwrap(_ data: TensorData) -> [Int64]? {
            if case .int64(let values) = data { return values }
            return nil
        }
        @inline(__always) static func wrap(_ values: [Int64]) -> TensorData { .int64(values) }
        static var zero: Int64 { 0 }
        static var one: Int64 { 1 }
        static var lowest: Int64 { .min }
        static var highest: Int64 { .max }
        @inline(__always) static func add(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
        @inline(__always) static func subtract(_ a: Int64, _ b: Int64) -> Int64 { a &- b }
        @inline(__always) static func multiply(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
        @inline(__always) static func divide(_ a: Int64, _ b: Int64) -> Int64 {
            b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
        }
        @inline(__always) static func negate(_ a: Int64) -> Int64 { 0 &- a }
        @inline(__always) static func absolute(_ a: Int64) -> Int64 { a < 0 ? 0 &- a : a }
        @inline(__always) static func maximum(_ a: Int64, _ b: Int64) -> Int64 { Swift.max(a, b) }
        @inline(__always) static func minimum(_ a: Int64, _ b: Int64) -> Int64 { Swift.min(a, b) }
        @inline(__always) static func isNaN(_ a: Int64) -> Bool { false }
        @inline(__always) static func toDouble(_ a: Int64) -> Double { Double(a) }
        @inline(__always) static func fromDouble(_ a: Double) -> Int64 {
            (a >= -9.223372036854775808e18 && a < 9.223372036854775808e18) ? Int64(a) : .min
        }
        @inline(__always) static func fromInt(_ a: Int) -> Int64 { Int64(a) }
    }

    enum Int32Type: IntegerType {
        typealias Scalar = Int32
        static var elementType: ElementType { .int32 }
        @inline(__always) static func unwrap(_ data: TensorData) -> [Int32]? {
            if case .int32(let values) = data { return values }
            return nil
        }
        @inline(__always) static func wrap(_ values: [Int32]) -> TensorData { .int32(values) }
        static var zero: Int32 { 0 }
        static var one: Int32 { 1 }
        static var lowest: Int32 { .min }
        static var highest: Int32 { .max }
        @inline(__always) static func add(_ a: Int32, _ b: Int32) -> Int32 { a &+ b }
        @inline(__always) static func subtract(_ a: Int32, _ b: Int32) -> Int32 { a &- b }
        @inline(__always) static func multiply(_ a: Int32, _ b: Int32) -> Int32 { a &* b }
        @inline(__always) static func divide(_ a: Int32, _ b: Int32) -> Int32 {
            b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
        }
        @inline(__always) static func negate(_ a: Int32) -> Int32 { 0 &- a }
        @inline(__always) static func absolute(_ a: Int32) -> Int32 { a < 0 ? 0 &- a : a }
        @inline(__always) static func maximum(_ a: Int32, _ b: Int32) -> Int32 { Swift.max(a, b) }
        @inline(__always) static func minimum(_ a: Int32, _ b: Int32) -> Int32 { Swift.min(a, b) }
        @inline(__always) static func isNaN(_ a: Int32) -> Bool { false }
        @inline(__always) static func toDouble(_ a: Int32) -> Double { Double(a) }
        @inline(__always) static func fromDouble(_ a: Double) -> Int32 {
            (a > -2147483649.0 && a < 2147483648.0) ? Int32(a) : .min
        }
        @inline(__always) static func fromInt(_ a: Int) -> Int32 { Int32(truncatingIfNeeded: a) }
    }

    enum BoolType: StorageType {
        typealias Scalar = Bool
        static var elementType: ElementType { .bool }
        @inline(__always) static func unwrap(_ data: TensorData) -> [Bool]? {
            if case .bool(let values) = data { return values }
            return nil
        }
        @inline(__always) static func wrap(_ values: [Bool]) -> TensorData { .bool(values) }
    }

    enum StringType: StorageType {
        typealias Scalar = String
        static var elementType: ElementType { .string }
        @inline(__always) static func unwrap(_ data: TensorData) -> [String]? {
            if case .string(let values) = data { return values }
            return nil
        }
        @inline(__always) static func wrap(_ values: [String]) -> TensorData { .string(values) }
    }

    /// Runs code generic over the storage witness of a tensor's element type.
    protocol StorageVisitor {
        associatedtype Output
        func visit<S: StorageType>(_ type: S.Type, _ values: [S.Scalar]) throws(ModelError) -> Output
    }

    /// Runs code generic over the numeric witness of a tensor's element type.
    protocol NumericVisitor {
        associatedtype Output
        func visit<N: NumericType>(_ type: N.Type, _ values: [N.Scalar]) throws(ModelError) -> Output
    }

    /// Runs code generic over the floating-point witness of a tensor's element type.
    protocol FloatingVisitor {
        associatedtype Output
        func visit<F: FloatingType>(_ type: F.Type, _ values: [F.Scalar]) throws(ModelError) -> Output
    }

    /// Dispatches `visitor` on any element type.
    @inline(__always)
    static func visitStorage<V: StorageVisitor>(_ data: TensorData, _ visitor: V) throws(ModelError) -> V.Output {
        switch data {
        case .float32(let values): try visitor.visit(Float32Type.self, values)
        case .float64(let values): try visitor.visit(Float64Type.self, values)
        case .int64(let values): try visitor.visit(Int64Type.self, values)
        case .int32(let values): try visitor.visit(Int32Type.self, values)
        case .bool(let values): try visitor.visit(BoolType.self, values)
        case .string(let values): try visitor.visit(StringType.self, values)
        }
    }

    /// Dispatches `visitor` on a numeric element type; bool and string throw `unsupported`.
    @inline(__always)
    static func visitNumeric<V: NumericVisitor>(_ data: TensorData, _ visitor: V,
                                                unsupported: @autoclosure () -> ModelError) throws(ModelError) -> V.Output {
        switch data {
        case .float32(let values): try visitor.visit(Float32Type.self, values)
        case .float64(let values): try visitor.visit(Float64Type.self, values)
        case .int64(let values): try visitor.visit(Int64Type.self, values)
        case .int32(let values): try visitor.visit(Int32Type.self, values)
        case .bool, .string: throw unsupported()
        }
    }

    /// Dispatches `visitor` on float32 or float64; other types throw `unsupported`.
    @inline(__always)
    static func visitFloating<V: FloatingVisitor>(_ data: TensorData, _ visitor: V,
                                                  unsupported: @autoclosure () -> ModelError) throws(ModelError) -> V.Output {
        switch data {
        case .float32(let values): try visitor.visit(Float32Type.self, values)
        case .float64(let values): try visitor.visit(Float64Type.self, values)
        default: throw unsupported()
        }
    }
}
