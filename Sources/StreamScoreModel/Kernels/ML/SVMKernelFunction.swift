#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SVM kernel `K(x, v)` of SVMClassifier/SVMRegressor (`kernel_type`, `kernel_params` =
/// [gamma, coef0, degree]), evaluated in single precision like onnxruntime.
struct SVMKernelFunction: Sendable {
    enum Kind: Sendable { case linear, poly, rbf, sigmoid }

    var kind: Kind
    var gamma: Float = 0
    var coef0: Float = 0
    var degree: Float = 0

    init(_ a: MLAttributes) throws(ModelError) {
        switch try a.string("kernel_type", default: "LINEAR") {
        case "LINEAR": kind = .linear
        case "POLY": kind = .poly
        case "RBF": kind = .rbf
        case "SIGMOID": kind = .sigmoid
        case let other: throw a.invalid("unknown kernel_type '\(other)' (expected LINEAR, POLY, RBF or SIGMOID)")
        }
        let params = try a.floats("kernel_params")
        if !params.isEmpty {
            guard params.count >= 3 else {
                throw a.invalid("kernel_params needs [gamma, coef0, degree], got \(params.count) values")
            }
            gamma = params[0]
            coef0 = params[1]
            degree = params[2]
        }
    }

    /// `K(x, v)` for two vectors of `count` features.
    @inline(__always)
    func callAsFunction(_ x: UnsafePointer<Float>, _ v: UnsafePointer<Float>, count: Int) -> Float {
        switch kind {
        case .rbf:
            var sum: Float = 0
            for i in 0..<count {
                let d = x[i] - v[i]
                sum += d * d
            }
            return exp(-gamma * sum)
        case .linear:
            return Self.dot(x, v, count)
        case .poly:
            let base = coef0.addingProduct(Self.dot(x, v, count), gamma)
            if degree == 2 { return base * base }
            if degree == 3 { return base * base * base }
            return pow(base, degree)
        case .sigmoid:
            return tanh(coef0.addingProduct(Self.dot(x, v, count), gamma))
        }
    }

    /// A fused multiply-add chain in feature order, the way onnxruntime's SGEMM accumulates a dot
    /// product; `alpha · dot + c` is likewise fused above. Matching the rounding matters because
    /// pairwise coupling amplifies tiny differences in the decision values.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ v: UnsafePointer<Float>, _ count: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count { sum = sum.addingProduct(x[i], v[i]) }
        return sum
    }
}
