/// `ai.onnx.ml.LabelEncoder`.
///
/// - v1: `classes_strings` maps a string to its index (the last occurrence wins) and an index back to
///   its string; unknown values give `default_int64` (-1) / `default_string` ("_Unused").
/// - v2–v3: `keys_*` → `values_*` for strings, int64s and floats (the first occurrence of a key wins);
///   defaults `default_string` "_Unused", `default_int64` -1, `default_float` -0.0.
/// - v4: also `keys_tensor`/`values_tensor`/`default_tensor` (adds doubles); NaN keys match NaN inputs;
///   float values default to -0.0 for float/double keys and 0.0 otherwise, as in onnxruntime.
struct LabelEncoderKernel: Kernel {
    /// A typed list of keys or values.
    enum Scalars: Sendable {
        case int64([Int64]), string([String]), float([Float]), double([Double])

        var count: Int {
            switch self {
            case .int64(let v): v.count
            case .string(let v): v.count
            case .float(let v): v.count
            case .double(let v): v.count
            }
        }
    }

    let name: String
    let stringKeys: [String: Int]
    let intKeys: [Int64: Int]
    let floatKeys: [Float: Int]
    let doubleKeys: [Double: Int]
    let nanKey: Int?
    let keyType: ElementType
    let values: Scalars
    let defaultValue: Scalars

    init(_ node: NodeInfo) throws(ModelError) {
        let a = MLAttributes(node)
        name = node.name
        var strings: [String: Int] = [:]
        var ints: [Int64: Int] = [:]
        var floats: [Float: Int] = [:]
        var doubles: [Double: Int] = [:]
        var nanKey: Int?
        let keys: Scalars
        let values: Scalars
        if node.opsetVersion <= 1 {
            let classes = try a.strings("classes_strings")
            for (i, s) in classes.enumerated() {
                strings[s] = i
                ints[Int64(i)] = i
            }
            // Both directions: string → index and index → string; the input type picks one at run time.
            self.stringKeys = strings
            self.intKeys = ints
            floatKeys = [:]
            doubleKeys = [:]
            self.nanKey = nil
            keyType = .string
            self.values = .string(classes)
            defaultValue = .string([try a.string("default_string", default: "_Unused")])
            v1DefaultIndex = try a.int("default_int64", default: -1)
            isV1 = true
            return
        }
        v1DefaultIndex = -1
        isV1 = false
        let allowTensors = node.opsetVersion >= 4
        keys = try Self.scalars(a, prefix: "keys", allowTensor: allowTensors)
        values = try Self.scalars(a, prefix: "values", allowTensor: allowTensors)
        guard keys.count == values.count else {
            throw a.invalid("there are \(keys.count) keys but \(values.count) values")
        }
        let nanMatches = allowTensors
        switch keys {
        case .string(let k):
            keyType = .string
            for (i, v) in k.enumerated() where strings[v] == nil { strings[v] = i }
        case .int64(let k):
            keyType = .int64
            for (i, v) in k.enumerated() where ints[v] == nil { ints[v] = i }
        case .float(let k):
            keyType = .float32
            for (i, v) in k.enumerated() {
                if v.isNaN { if nanMatches && nanKey == nil { nanKey = i } } else if floats[v] == nil { floats[v] = i }
            }
        case .double(let k):
            keyType = .float64
            for (i, v) in k.enumerated() {
                if v.isNaN { if nanMatches && nanKey == nil { nanKey = i } } else if doubles[v] == nil { doubles[v] = i }
            }
        }
        stringKeys = strings
        intKeys = ints
        floatKeys = floats
        doubleKeys = doubles
        self.nanKey = nanKey
        self.values = values
        defaultValue = try Self.defaultValue(a, values: values, keyType: keyType, v4: allowTensors)
    }

    /// True for the v1 encoder built from `classes_strings`.
    let isV1: Bool
    /// v1 only: the index given to an unknown string.
    let v1DefaultIndex: Int64

    private static func scalars(_ a: MLAttributes, prefix: String, allowTensor: Bool) throws(ModelError) -> Scalars {
        var found: [Scalars] = []
        if a.has(prefix + "_strings") { found.append(.string(try a.strings(prefix + "_strings"))) }
        if a.has(prefix + "_int64s") { found.append(.int64(try a.ints(prefix + "_int64s"))) }
        if a.has(prefix + "_floats") { found.append(.float(try a.floats(prefix + "_floats"))) }
        if allowTensor, let t = try a.tensor(prefix + "_tensor") {
            switch t.data {
            case .string(let v): found.append(.string(v))
            case .int64(let v): found.append(.int64(v))
            case .float32(let v): found.append(.float(v))
            case .float64(let v): found.append(.double(v))
            default: throw a.invalid("\(prefix)_tensor has unsupported element type \(t.elementType)")
            }
        }
        guard found.count == 1 else {
            throw a.invalid(found.isEmpty ? "no \(prefix)_* attribute" : "more than one \(prefix)_* attribute")
        }
        return found[0]
    }

    private static func defaultValue(_ a: MLAttributes, values: Scalars, keyType: ElementType, v4: Bool) throws(ModelError) -> Scalars {
        if v4, let t = try a.tensor("default_tensor"), t.count > 0 {
            guard t.count == 1 else { throw a.invalid("default_tensor must have exactly one element") }
            switch (values, t.data) {
            case (.string, .string(let v)): return .string(v)
            case (.int64, .int64(let v)): return .int64(v)
            case (.float, .float32(let v)): return .float(v)
            case (.double, .float64(let v)): return .double(v)
            default: throw a.invalid("default_tensor type \(t.elementType) does not match the values")
            }
        }
        let floatKeys = keyType == .float32 || keyType == .float64
        let floatFallback: Float = !v4 || floatKeys ? -0.0 : 0.0
        switch values {
        case .string: return .string([try a.string("default_string", default: "_Unused")])
        case .int64: return .int64([try a.int("default_int64", default: -1)])
        case .float: return .float([try a.float("default_float", default: floatFallback)])
        case .double: return .double([Double(try a.float("default_float", default: -0.0))])
        }
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let x = try MLInput.tensor(inputs, 0, node: name, op: "LabelEncoder")
        if isV1 {
            switch x.data {
            case .string(let v):
                return [.tensor(Tensor(shape: x.shape, int64: v.map { stringKeys[$0].map(Int64.init) ?? v1DefaultIndex }))]
            case .int64, .int32:
                break  // index → string, below
            default:
                throw MLAttributes.runtimeError(name, "LabelEncoder", "v1 expects string or int64 input, got \(x.elementType)")
            }
        }
        let positions: [Int?]
        switch x.data {
        case .string(let v) where keyType == .string:
            positions = v.map { stringKeys[$0] }
        case .int64(let v) where keyType == .int64 || isV1:
            positions = v.map { intKeys[$0] }
        case .int32(let v) where keyType == .int64 || isV1:
            positions = v.map { intKeys[Int64($0)] }
        case .float32(let v) where keyType == .float32:
            positions = v.map { $0.isNaN ? nanKey : floatKeys[$0] }
        case .float64(let v) where keyType == .float64:
            positions = v.map { $0.isNaN ? nanKey : doubleKeys[$0] }
        default:
            throw MLAttributes.runtimeError(name, "LabelEncoder", "input type \(x.elementType) does not match the keys (\(keyType))")
        }
        switch (values, defaultValue) {
        case (.string(let v), .string(let d)):
            return [.tensor(Tensor(shape: x.shape, string: positions.map { $0.map { v[$0] } ?? d[0] }))]
        case (.int64(let v), .int64(let d)):
            return [.tensor(Tensor(shape: x.shape, int64: positions.map { $0.map { v[$0] } ?? d[0] }))]
        case (.float(let v), .float(let d)):
            return [.tensor(Tensor(shape: x.shape, float32: positions.map { $0.map { v[$0] } ?? d[0] }))]
        case (.double(let v), .double(let d)):
            return [.tensor(Tensor(shape: x.shape, float64: positions.map { $0.map { v[$0] } ?? d[0] }))]
        default:
            throw MLAttributes.runtimeError(name, "LabelEncoder", "inconsistent default value type")
        }
    }

}
