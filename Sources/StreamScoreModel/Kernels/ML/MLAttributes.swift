/// Typed access to the attributes of an `ai.onnx.ml` node, with load-time validation errors
/// that name the node, op and version.
struct MLAttributes {
    let node: NodeInfo

    init(_ node: NodeInfo) {
        self.node = node
    }

    /// An `invalidNode` error for this node.
    func invalid(_ message: String) -> ModelError {
        .invalidNode(node: node.name, message: "ai.onnx.ml:\(node.opType) v\(node.opsetVersion): \(message)")
    }

    /// A `runtime` error for this node (bad input discovered while running).
    static func runtimeError(_ node: String, _ op: String, _ message: String) -> ModelError {
        .runtime(node: node, message: "ai.onnx.ml:\(op): \(message)")
    }

    func has(_ name: String) -> Bool {
        node.attributes[name] != nil
    }

    func int(_ name: String, default value: Int64) throws(ModelError) -> Int64 {
        switch node.attributes[name] {
        case nil: return value
        case .int(let v)?: return v
        case .ints(let v)? where v.count == 1: return v[0]
        default: throw invalid("attribute '\(name)' must be an int")
        }
    }

    func requiredInt(_ name: String) throws(ModelError) -> Int64 {
        guard has(name) else { throw invalid("missing required attribute '\(name)'") }
        return try int(name, default: 0)
    }

    func float(_ name: String, default value: Float) throws(ModelError) -> Float {
        switch node.attributes[name] {
        case nil: return value
        case .float(let v)?: return v
        case .floats(let v)? where v.count == 1: return v[0]
        default: throw invalid("attribute '\(name)' must be a float")
        }
    }

    func string(_ name: String, default value: String) throws(ModelError) -> String {
        switch node.attributes[name] {
        case nil: return value
        case .string(let v)?: return v
        case .strings(let v)? where v.count == 1: return v[0]
        default: throw invalid("attribute '\(name)' must be a string")
        }
    }

    /// An INTS attribute; empty when absent.
    func ints(_ name: String) throws(ModelError) -> [Int64] {
        switch node.attributes[name] {
        case nil: return []
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        case .tensor(let t)?:
            switch t.data {
            case .int64(let v): return v
            case .int32(let v): return v.map(Int64.init)
            default: break
            }
        default: break
        }
        throw invalid("attribute '\(name)' must be a list of ints")
    }

    /// A FLOATS attribute; empty when absent.
    func floats(_ name: String) throws(ModelError) -> [Float] {
        switch node.attributes[name] {
        case nil: return []
        case .floats(let v)?: return v
        case .float(let v)?: return [v]
        default: throw invalid("attribute '\(name)' must be a list of floats")
        }
    }

    /// A STRINGS attribute; empty when absent.
    func strings(_ name: String) throws(ModelError) -> [String] {
        switch node.attributes[name] {
        case nil: return []
        case .strings(let v)?: return v
        case .string(let v)?: return [v]
        case .tensor(let t)?:
            if case .string(let v) = t.data { return v }
        default: break
        }
        throw invalid("attribute '\(name)' must be a list of strings")
    }

    /// A TENSOR attribute, or nil when absent.
    func tensor(_ name: String) throws(ModelError) -> Tensor? {
        switch node.attributes[name] {
        case nil: return nil
        case .tensor(let t)?: return t
        default: throw invalid("attribute '\(name)' must be a tensor")
        }
    }

    /// Reads a real-valued list given either as the FLOATS attribute `name` or as the TENSOR
    /// attribute `name + "_as_tensor"` (float or double elements), widened to `Double`.
    /// Returns nil when neither is present; throws when both are.
    func reals(_ name: String, allowTensor: Bool) throws(ModelError) -> [Double]? {
        let tensorName = name + "_as_tensor"
        let listPresent = has(name)
        let tensorPresent = allowTensor && has(tensorName)
        if listPresent && tensorPresent {
            let list = try floats(name)
            guard let t = try tensor(tensorName) else { return list.map(Double.init) }
            // ONNX allows an empty list next to a filled tensor (and vice versa); refuse two filled ones.
            if !list.isEmpty && t.count > 0 {
                throw invalid("attributes '\(name)' and '\(tensorName)' are mutually exclusive")
            }
            return list.isEmpty ? try realValues(of: t, name: tensorName) : list.map(Double.init)
        }
        if tensorPresent, let t = try tensor(tensorName) {
            return try realValues(of: t, name: tensorName)
        }
        if listPresent {
            return try floats(name).map(Double.init)
        }
        return nil
    }

    private func realValues(of tensor: Tensor, name: String) throws(ModelError) -> [Double] {
        switch tensor.data {
        case .float32(let v): return v.map(Double.init)
        case .float64(let v): return v
        default: throw invalid("attribute '\(name)' must be a float or double tensor, got \(tensor.elementType)")
        }
    }
}
