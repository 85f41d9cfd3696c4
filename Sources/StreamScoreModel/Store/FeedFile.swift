/// Parses `predict` feed files: `{"inputs": {"<input name>": <nested array>}}`.
///
/// The nesting gives the shape (a bare scalar is a rank-0 tensor); every level must be
/// rectangular. The element type is the graph input's declared type:
/// - float32/float64: JSON numbers; `null` and the strings "NaN", "Infinity", "-Infinity"
///   give NaN and the infinities;
/// - int64/int32: integral JSON numbers;
/// - bool: `true`/`false` (or 0/1);
/// - string: JSON strings.
public enum FeedFile {
    /// Parses a feed file against the model's inputs; throws `.invalidInput` for malformed JSON,
    /// unknown input names, ragged nesting and values of the wrong type.
    public static func parse(data: [UInt8], graphInputs: [ValueInfo]) throws(ModelError) -> [String: Value] {
        let document = try JSONValue.parse(data)
        guard case .object(let members)? = document["inputs"] else {
            throw .invalidInput("the feed file must be an object with an \"inputs\" object")
        }
        var feeds: [String: Value] = [:]
        for (name, value) in members {
            guard let input = graphInputs.first(where: { $0.name == name }) else {
                let names = graphInputs.map { "'\($0.name)'" }.joined(separator: ", ")
                throw .invalidInput("unknown input '\(name)'; the model's inputs are \(names)")
            }
            guard case .tensor(let element, _) = input.type else {
                throw .invalidInput("input '\(name)' has unsupported type \(input.type)")
            }
            feeds[name] = .tensor(try tensor(from: value, element: element, name: name))
        }
        return feeds
    }

    /// Converts nested JSON arrays into a tensor of the given element type.
    static func tensor(from json: JSONValue, element: ElementType, name: String) throws(ModelError) -> Tensor {
        var shape: [Int] = []
        var probe = json
        while case .array(let items) = probe {
            shape.append(items.count)
            guard let first = items.first else { break }
            probe = first
        }
        var leaves: [JSONValue] = []
        leaves.reserveCapacity(shape.reduce(1, *))
        try flatten(json, shape: shape, depth: 0, path: [], name: name, into: &leaves)

        func fail(_ index: Int, _ expected: String) -> ModelError {
            .invalidInput("input '\(name)' element \(index) is \(leaves[index].kind), expected \(expected)")
        }
        switch element {
        case .float32, .float64:
            var values: [Double] = []
            values.reserveCapacity(leaves.count)
            for (i, leaf) in leaves.enumerated() {
                switch leaf {
                case .number(let text):
                    guard let v = Double(text) else { throw fail(i, "a number") }
                    values.append(v)
                case .null: values.append(.nan)
                case .string("NaN"): values.append(.nan)
                case .string("Infinity"): values.append(.infinity)
                case .string("-Infinity"): values.append(-.infinity)
                default: throw fail(i, "a number or null")
                }
            }
            if element == .float64 { return Tensor(shape: shape, float64: values) }
            // Convert from the text directly so each value is correctly rounded to Float.
            var floats: [Float] = []
            floats.reserveCapacity(leaves.count)
            for (i, leaf) in leaves.enumerated() {
                if case .number(let text) = leaf, let f = Float(text) { floats.append(f) } else { floats.append(Float(values[i])) }
            }
            return Tensor(shape: shape, float32: floats)
        case .int64, .int32:
            var values: [Int64] = []
            values.reserveCapacity(leaves.count)
            for (i, leaf) in leaves.enumerated() {
                guard case .number(let text) = leaf else { throw fail(i, "an integer") }
                if let v = Int64(text) {
                    values.append(v)
                } else if let d = Double(text), d.rounded() == d, abs(d) < 9.2e18 {
                    values.append(Int64(d))
                } else {
                    throw .invalidInput("input '\(name)' element \(i) is \(text), expected an integer")
                }
            }
            if element == .int64 { return Tensor(shape: shape, int64: values) }
            var narrow: [Int32] = []
            for (i, v) in values.enumerated() {
                guard let n = Int32(exactly: v) else { throw .invalidInput("input '\(name)' element \(i) (\(v)) does not fit int32") }
                narrow.append(n)
            }
            return Tensor(shape: shape, int32: narrow)
        case .bool:
            var values: [Bool] = []
            for (i, leaf) in leaves.enumerated() {
                switch leaf {
                case .bool(let b): values.append(b)
                case .number("0"): values.append(false)
                case .number("1"): values.append(true)
                default: throw fail(i, "a boolean")
                }
            }
            return Tensor(shape: shape, bool: values)
        case .string:
            var values: [String] = []
            for (i, leaf) in leaves.enumerated() {
                guard case .string(let s) = leaf else { throw fail(i, "a string") }
                values.append(s)
            }
            return Tensor(shape: shape, string: values)
        }
    }

    private static func flatten(_ json: JSONValue, shape: [Int], depth: Int, path: [Int], name: String,
                                into leaves: inout [JSONValue]) throws(ModelError) {
        let location = path.isEmpty ? "" : " at " + path.map { "[\($0)]" }.joined()
        if depth == shape.count {
            if case .array = json {
                throw .invalidInput("input '\(name)' is ragged\(location): expected a scalar, got an array")
            }
            if case .object = json { throw .invalidInput("input '\(name)'\(location) is an object, expected a value") }
            leaves.append(json)
            return
        }
        guard case .array(let items) = json else {
            throw .invalidInput("input '\(name)' is ragged\(location): expected an array of \(shape[depth]) elements, got \(json.kind)")
        }
        guard items.count == shape[depth] else {
            throw .invalidInput("input '\(name)' is ragged\(location): expected \(shape[depth]) elements, got \(items.count)")
        }
        for (i, item) in items.enumerated() {
            try flatten(item, shape: shape, depth: depth + 1, path: path + [i], name: name, into: &leaves)
        }
    }
}
