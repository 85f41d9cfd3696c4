/// `ai.onnx.ml.OneHotEncoder`: appends a dimension of `categories` floats with a 1 at the position of
/// the input's category (`cats_strings` for string inputs, `cats_int64s` for numeric inputs, which are
/// truncated to int64). Unknown values give all zeros when `zeros` = 1 (default) and fail otherwise.
struct OneHotEncoderKernel: Kernel {
    let name: String
    let intPositions: [Int64: Int]
    let stringPositions: [String: Int]
    let categoryCount: Int
    let unknownGivesZeros: Bool

    init(_ node: NodeInfo) throws(ModelError) {
        let a = MLAttributes(node)
        name = node.name
        let ints = try a.ints("cats_int64s")
        let strings = try a.strings("cats_strings")
        guard ints.isEmpty != strings.isEmpty else {
            throw a.invalid("exactly one of cats_int64s and cats_strings must be given")
        }
        var intPositions: [Int64: Int] = [:]
        for (i, v) in ints.enumerated() { intPositions[v] = i }
        var stringPositions: [String: Int] = [:]
        for (i, v) in strings.enumerated() { stringPositions[v] = i }
        self.intPositions = intPositions
        self.stringPositions = stringPositions
        categoryCount = max(ints.count, strings.count)
        unknownGivesZeros = try a.int("zeros", default: 1) != 0
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let x = try MLInput.tensor(inputs, 0, node: name, op: "OneHotEncoder")
        let n = categoryCount
        var out = [Float](repeating: 0, count: x.count * n)
        func set(_ i: Int, _ position: Int?) throws(ModelError) {
            if let position {
                out[i * n + position] = 1
            } else if !unknownGivesZeros {
                throw MLAttributes.runtimeError(name, "OneHotEncoder", "unknown category at element \(i) and zeros = 0")
            }
        }
        func integral<F: BinaryFloatingPoint>(_ v: F) -> Int64? {
            // C++ truncation; values outside int64 (and NaN) cannot match a category.
            v.isFinite && v > -9.3e18 && v < 9.3e18 ? Int64(v) : nil
        }
        switch x.data {
        case .string(let v):
            for i in v.indices { try set(i, stringPositions[v[i]]) }
        case .int64(let v):
            for i in v.indices { try set(i, intPositions[v[i]]) }
        case .int32(let v):
            for i in v.indices { try set(i, intPositions[Int64(v[i])]) }
        case .float32(let v):
            for i in v.indices { try set(i, integral(v[i]).flatMap { intPositions[$0] }) }
        case .float64(let v):
            for i in v.indices { try set(i, integral(v[i]).flatMap { intPositions[$0] }) }
        case .bool:
            throw MLAttributes.runtimeError(name, "OneHotEncoder", "unsupported input element type bool")
        }
        return [.tensor(Tensor(shape: x.shape + [n], float32: out))]
    }
}
