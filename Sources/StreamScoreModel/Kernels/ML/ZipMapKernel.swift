/// `ai.onnx.ml.ZipMap`: turns a float tensor [N, C] (or [C]) into a sequence of N maps from the class
/// labels (`classlabels_int64s` or `classlabels_strings`) to the row's values.
struct ZipMapKernel: Kernel {
    let name: String
    let keys: MapSequence.Keys

    init(_ node: NodeInfo) throws(ModelError) {
        let a = MLAttributes(node)
        name = node.name
        let ints = try a.ints("classlabels_int64s")
        let strings = try a.strings("classlabels_strings")
        guard ints.isEmpty != strings.isEmpty else {
            throw a.invalid("exactly one of classlabels_int64s and classlabels_strings must be given")
        }
        keys = strings.isEmpty ? .int64(ints) : .string(strings)
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let x = try MLInput.tensor(inputs, 0, node: name, op: "ZipMap")
        let (rows, columns) = try MLInput.matrixShape(x, node: name, op: "ZipMap")
        guard columns == keys.count else {
            throw MLAttributes.runtimeError(name, "ZipMap", "rows have \(columns) values but there are \(keys.count) labels")
        }
        guard case .float32(let values) = x.data else {
            throw MLAttributes.runtimeError(name, "ZipMap", "input must be float, got \(x.elementType)")
        }
        return [.mapSequence(MapSequence(keys: keys, values: values, rowCount: rows))]
    }
}
