/// Load-time evaluation of ONNX `Constant` nodes.
enum ConstantNode {
    /// The tensor a `Constant` node produces, from whichever `value*` attribute it carries.
    static func value(of node: Node, label: String) throws(ModelError) -> Tensor {
        guard node.attributes.count == 1, let (name, attribute) = node.attributes.first else {
            throw .invalidNode(node: label, message: "Constant must have exactly one value attribute, found \(node.attributes.count)")
        }
        switch (name, attribute) {
        case ("value", .tensor(let tensor)): return tensor
        case ("value_float", .float(let v)): return Tensor(shape: [], float32: [v])
        case ("value_floats", .floats(let v)): return Tensor(shape: [v.count], float32: v)
        case ("value_int", .int(let v)): return Tensor(shape: [], int64: [v])
        case ("value_ints", .ints(let v)): return Tensor(shape: [v.count], int64: v)
        case ("value_string", .string(let v)): return Tensor(shape: [], string: [v])
        case ("value_strings", .strings(let v)): return Tensor(shape: [v.count], string: v)
        default:
            throw .invalidNode(node: label, message: "unsupported Constant attribute '\(name)'")
        }
    }
}
