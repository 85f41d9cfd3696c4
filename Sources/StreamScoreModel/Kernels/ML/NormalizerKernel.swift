/// `ai.onnx.ml.Normalizer`: normalizes along the second dimension with `norm` MAX (divide by the
/// largest value), L1 (by the sum of absolute values) or L2 (`sign(x)·√(x²/Σx²)`), output float.
/// A zero norm copies the values unchanged, as onnxruntime does.
struct NormalizerKernel: Kernel {
    enum Norm: Sendable { case max, l1, l2 }

    let name: String
    let norm: Norm

    init(_ node: NodeInfo) throws(ModelError) {
        let a = MLAttributes(node)
        name = node.name
        switch try a.string("norm", default: "MAX") {
        case "MAX": norm = .max
        case "L1": norm = .l1
        case "L2": norm = .l2
        case let other: throw a.invalid("unknown norm '\(other)' (expected MAX, L1 or L2)")
        }
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let x = try MLInput.tensor(inputs, 0, node: name, op: "Normalizer")
        guard x.rank >= 1 else { throw MLAttributes.runtimeError(name, "Normalizer", "input has no dimensions") }
        var out = [Float](repeating: 0, count: x.count)
        switch x.data {
        case .float32(let v): normalize(v, shape: x.shape, into: &out, square: { $0 * $0 }, magnitude: { abs($0) })
        case .float64(let v): normalize(v, shape: x.shape, into: &out, square: { Float($0 * $0) }, magnitude: { Float(abs($0)) })
        case .int64(let v): normalize(v, shape: x.shape, into: &out, square: { Float($0 &* $0) }, magnitude: { Float($0.magnitude) })
        case .int32(let v): normalize(v, shape: x.shape, into: &out, square: { Float($0 &* $0) }, magnitude: { Float($0.magnitude) })
        case .bool, .string:
            throw MLAttributes.runtimeError(name, "Normalizer", "unsupported input element type \(x.elementType)")
        }
        return [.tensor(Tensor(shape: x.shape, float32: out))]
    }

    /// Normalizes each line along axis 1 (for rank > 2, lines are strided by the trailing size).
    private func normalize<T: Numeric & Comparable & MLFloatConvertible>(
        _ input: [T], shape: [Int], into out: inout [Float],
        square: (T) -> Float, magnitude: (T) -> Float
    ) {
        let stride = shape.count == 1 ? shape[0] : shape[1]
        guard stride > 0, !input.isEmpty else { return }
        let step = shape.count > 1 ? shape.dropFirst(2).reduce(1, *) : 1
        let lines = input.count / stride
        input.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { out in
                for n in 0..<lines {
                    // The line's k-th element sits at start + k·step (no per-line index array).
                    let start = (n % step) + (n / step) * (stride * step)
                    let end = start + stride * step
                    switch norm {
                    case .max:
                        var maximum = -Float.greatestFiniteMagnitude
                        for i in Swift.stride(from: start, to: end, by: step) {
                            let v = input[i].mlFloatValue
                            maximum = maximum < v ? v : maximum
                        }
                        for i in Swift.stride(from: start, to: end, by: step) {
                            out[i] = maximum != 0 ? input[i].mlFloatValue / maximum : input[i].mlFloatValue
                        }
                    case .l1:
                        var sum: Float = 0
                        for i in Swift.stride(from: start, to: end, by: step) { sum += magnitude(input[i]) }
                        for i in Swift.stride(from: start, to: end, by: step) {
                            out[i] = sum != 0 ? input[i].mlFloatValue / sum : input[i].mlFloatValue
                        }
                    case .l2:
                        var sum: Float = 0
                        for i in Swift.stride(from: start, to: end, by: step) {
                            let sq = square(input[i])
                            out[i] = sq
                            sum += sq
                        }
                        for i in Swift.stride(from: start, to: end, by: step) {
                            if sum != 0 {
                                let r = (out[i] / sum).squareRoot()
                                out[i] = input[i] < 0 ? -r : r
                            } else {
                                out[i] = input[i].mlFloatValue
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Numeric element types the ML kernels convert to `Float`.
protocol MLFloatConvertible {
    var mlFloatValue: Float { get }
}
extension Float: MLFloatConvertible { var mlFloatValue: Float { self } }
extension Double: MLFloatConvertible { var mlFloatValue: Float { Float(self) } }
extension Int64: MLFloatConvertible { var mlFloatValue: Float { Float(self) } }
extension Int32: MLFloatConvertible { var mlFloatValue: Float { Float(self) } }
