/// A tensor type as declared on a graph input or output (`ValueInfoProto`).
public enum ValueType: Sendable, Equatable {
    /// A tensor; `nil` dimensions are symbolic or unknown.
    case tensor(ElementType, shape: [Int?]?)
    /// A sequence of maps (ZipMap output) with the given key type.
    case mapSequence(keys: ElementType)
    /// Anything else the file declares; rejected where it matters.
    case other(String)
}

/// A named, typed graph input or output.
public struct ValueInfo: Sendable, Equatable {
    public var name: String
    public var type: ValueType

    public init(name: String, type: ValueType) {
        self.name = name
        self.type = type
    }
}

/// One decoded node (`NodeProto`).
public struct Node: Sendable {
    public var name: String
    public var opType: String
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: Attribute]

    public init(name: String, opType: String, domain: String, inputs: [String], outputs: [String],
                attributes: [String: Attribute]) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }
}

/// A decoded graph (`GraphProto`): nodes in file order, initializers, inputs and outputs.
public struct Graph: Sendable {
    public var name: String
    public var nodes: [Node]
    public var initializers: [String: Tensor]
    /// Declared inputs. Before IR version 4 initializers were also listed here; such inputs
    /// are optional at run time (the initializer is their default).
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    /// Optional type information for intermediate values (`GraphProto.value_info`).
    public var valueInfo: [ValueInfo]

    public init(name: String, nodes: [Node], initializers: [String: Tensor], inputs: [ValueInfo],
                outputs: [ValueInfo], valueInfo: [ValueInfo] = []) {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfo = valueInfo
    }
}

extension ValueType: CustomStringConvertible {
    /// Readable form used in messages and `inspect`, e.g. `tensor(float32)[?,4]`, `seq(map(string,float32))`.
    public var description: String {
        switch self {
        case .tensor(let element, let shape):
            let dims = shape.map { "[" + $0.map { $0.map(String.init) ?? "?" }.joined(separator: ",") + "]" } ?? ""
            return "tensor(\(element.rawValue))\(dims)"
        case .mapSequence(let keys): return "seq(map(\(keys.rawValue),float32))"
        case .other(let what): return what
        }
    }
}
