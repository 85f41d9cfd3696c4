/// The class labels of an ML classifier: `classlabels_int64s`/`classlabels_ints` or `classlabels_strings`.
enum MLClassLabels: Sendable {
    case int64([Int64])
    case string([String])

    var count: Int {
        switch self {
        case .int64(let v): v.count
        case .string(let v): v.count
        }
    }

    /// Reads the labels; exactly one of the two attributes must be non-empty.
    init(_ a: MLAttributes, intsName: String, stringsName: String = "classlabels_strings") throws(ModelError) {
        let ints = try a.ints(intsName)
        let strings = try a.strings(stringsName)
        if !ints.isEmpty && !strings.isEmpty {
            throw a.invalid("only one of \(intsName) and \(stringsName) may be given")
        }
        if !strings.isEmpty {
            self = .string(strings)
        } else if !ints.isEmpty {
            self = .int64(ints)
        } else {
            throw a.invalid("one of \(intsName) or \(stringsName) is required")
        }
    }

    /// A label tensor of shape [N]: entry `i` is label `indices[i]`, or for an integer label set
    /// with `raw[i]` true, the index itself (onnxruntime's 1/0 fallback labels).
    func tensor(indices: [Int], raw: [Bool]? = nil) -> Tensor {
        switch self {
        case .int64(let labels):
            var out = [Int64](repeating: 0, count: indices.count)
            for i in indices.indices {
                out[i] = raw?[i] == true ? Int64(indices[i]) : labels[indices[i]]
            }
            return Tensor(shape: [indices.count], int64: out)
        case .string(let labels):
            return Tensor(shape: [indices.count], string: indices.map { labels[$0] })
        }
    }
}
