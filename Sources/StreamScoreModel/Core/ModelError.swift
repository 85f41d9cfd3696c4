/// Errors from loading or running a model. Messages name the node, op, domain and version.
public enum ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not a valid ONNX protobuf (truncated, bad wire type, ...).
    case malformed(String)
    /// An operator or operator version the runtime does not implement.
    case unsupportedOperator(node: String, op: String, domain: String, version: Int)
    /// A node whose attributes or inputs are invalid for its operator.
    case invalidNode(node: String, message: String)
    /// The graph is inconsistent: a missing input or initializer, a cycle, ...
    case invalidGraph(String)
    /// Inputs supplied at run time do not match the graph (unknown name, wrong type or shape).
    case invalidInput(String)
    /// A kernel failed while running.
    case runtime(node: String, message: String)
    /// Model store and card problems.
    case store(String)
    /// The model loaded but does not reproduce its card's sample outputs.
    case validation(String)

    public var description: String {
        switch self {
        case .malformed(let m): "malformed ONNX file: \(m)"
        case .unsupportedOperator(let node, let op, let domain, let version):
            "unsupported operator: node '\(node)' uses \(domain.isEmpty ? "ai.onnx" : domain):\(op) version \(version)"
        case .invalidNode(let node, let m): "invalid node '\(node)': \(m)"
        case .invalidGraph(let m): "invalid graph: \(m)"
        case .invalidInput(let m): "invalid input: \(m)"
        case .runtime(let node, let m): "runtime error in node '\(node)': \(m)"
        case .store(let m): "model store: \(m)"
        case .validation(let m): "validation failed: \(m)"
        }
    }
}
