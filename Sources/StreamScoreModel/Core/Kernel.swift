/// A compiled operator instance. Kernels are built once at load time from a node's
/// attributes (all validation happens then) and run many times, possibly concurrently.
public protocol Kernel: Sendable {
    /// Runs the operator. `inputs` holds one entry per declared node input,
    /// `nil` for an omitted optional input. Returns one value per node output.
    func run(_ inputs: [Value?]) throws(ModelError) -> [Value]
}

/// An ONNX node attribute value.
public enum Attribute: Sendable {
    case float(Float)
    case int(Int64)
    case string(String)
    case tensor(Tensor)
    case graph(Graph)
    case floats([Float])
    case ints([Int64])
    case strings([String])
    case tensors([Tensor])
}

/// Everything a kernel factory may look at when compiling a node.
public struct NodeInfo: Sendable {
    public var name: String
    public var opType: String
    /// "" for the default ONNX domain, "ai.onnx.ml" for the ML domain.
    public var domain: String
    /// The opset version imported for `domain` by the model.
    public var opsetVersion: Int
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: Attribute]
    /// Inputs whose values are known at load time (initializers, Constant outputs), by input index.
    public var constantInputs: [Int: Tensor]

    public init(name: String, opType: String, domain: String, opsetVersion: Int,
                inputs: [String], outputs: [String], attributes: [String: Attribute],
                constantInputs: [Int: Tensor] = [:]) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.opsetVersion = opsetVersion
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.constantInputs = constantInputs
    }

    /// A readable description used in error messages: `node 'name' (domain:op v13)`.
    public var label: String {
        "node '\(name)' (\(domain.isEmpty ? "ai.onnx" : domain):\(opType) v\(opsetVersion))"
    }
}

/// Builds a kernel from a node, throwing `ModelError.invalidNode` for bad attributes.
public typealias KernelFactory = @Sendable (NodeInfo) throws(ModelError) -> any Kernel
