import Foundation

/// A loaded, compiled ONNX model ready to run.
///
/// Loading decodes the file, checks that every node input is produced, sorts the nodes,
/// folds constants and builds every kernel; unsupported operators and inconsistent graphs are
/// reported then, never at run time. A runtime is immutable and may be used from many threads.
public final class ModelRuntime: Sendable {
    /// Inputs that must be fed, in graph order (graph inputs that have no initializer).
    public let inputs: [ValueInfo]
    /// Graph outputs in graph order.
    public let outputs: [ValueInfo]
    /// Imported opset version per domain (`""` is the default ONNX domain).
    public let opsets: [String: Int]
    /// Number of nodes per "domain:op" (e.g. "ai.onnx:Add"), subgraphs included.
    public let opCounts: [String: Int]
    /// Producer name and version, e.g. "skl2onnx 1.20.0".
    public let producer: String
    /// `ModelProto.metadata_props`.
    public let metadata: [String: String]

    let plan: CompiledGraph
    private let inputPositions: [String: Int]

    /// Reads and compiles the model file at `path`.
    public static func load(contentsOf path: String, registry: KernelRegistry = .standard) throws(ModelError) -> ModelRuntime {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .store("cannot read model file '\(path)'")
        }
        return try ModelRuntime(bytes: [UInt8](data), registry: registry)
    }

    /// Decodes and compiles a serialized `ModelProto`.
    public convenience init(bytes: [UInt8], registry: KernelRegistry = .standard) throws(ModelError) {
        try self.init(model: try OnnxModel.decode(bytes), registry: registry)
    }

    /// Compiles a decoded model.
    public init(model: OnnxModel, registry: KernelRegistry = .standard) throws(ModelError) {
        let graph = model.graph
        let fed = graph.inputs.filter { graph.initializers[$0.name] == nil }
        for input in fed {
            guard case .tensor = input.type else {
                throw .invalidGraph("graph input '\(input.name)' has unsupported type \(input.type)")
            }
        }
        let compiler = GraphCompiler(registry: registry, opsets: model.opsets)
        plan = try compiler.compile(graph)
        inputs = fed
        outputs = graph.outputs
        opsets = model.opsets
        var counts: [String: Int] = [:]
        Self.countOps(in: graph, into: &counts)
        opCounts = counts
        producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        metadata = model.metadata
        var positions: [String: Int] = [:]
        for (i, input) in fed.enumerated() { positions[input.name] = i }
        inputPositions = positions
    }

    private static func countOps(in graph: Graph, into counts: inout [String: Int]) {
        for node in graph.nodes {
            counts[(node.domain.isEmpty ? "ai.onnx" : node.domain) + ":" + node.opType, default: 0] += 1
            for case .graph(let body) in node.attributes.values { countOps(in: body, into: &counts) }
        }
    }

    /// Runs the model on named inputs and returns every graph output by name.
    /// Throws `.invalidInput` for unknown or missing inputs and type or shape mismatches.
    public func run(_ feeds: [String: Value]) throws(ModelError) -> [String: Value] {
        var ordered = [Value?](repeating: nil, count: inputs.count)
        for (name, value) in feeds {
            guard let position = inputPositions[name] else {
                let expected = inputs.map { "'\($0.name)'" }.joined(separator: ", ")
                throw .invalidInput("unknown input '\(name)'; the model's inputs are \(expected)")
            }
            ordered[position] = value
        }
        var values: [Value] = []
        values.reserveCapacity(inputs.count)
        for (i, value) in ordered.enumerated() {
            guard let value else { throw .invalidInput("missing input '\(inputs[i].name)' (\(inputs[i].type))") }
            values.append(value)
        }
        let results = try run(feeds: values)
        var named: [String: Value] = [:]
        named.reserveCapacity(outputs.count)
        for (i, output) in outputs.enumerated() { named[output.name] = results[i] }
        return named
    }

    /// Runs the model on inputs given in `inputs` order; returns outputs in `outputs` order.
    public func run(feeds: [Value]) throws(ModelError) -> [Value] {
        guard feeds.count == inputs.count else {
            throw .invalidInput("expected \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))), got \(feeds.count)")
        }
        for i in 0..<feeds.count { try Self.check(feeds[i], against: inputs[i]) }
        return try plan.execute(inputs: feeds)
    }

    /// Checks a fed value against the declared input type and shape.
    static func check(_ value: Value, against info: ValueInfo) throws(ModelError) {
        guard case .tensor(let element, let shape) = info.type else {
            throw .invalidInput("input '\(info.name)' has unsupported declared type \(info.type)")
        }
        guard case .tensor(let tensor) = value else {
            throw .invalidInput("input '\(info.name)' must be a \(info.type), got a sequence of maps")
        }
        guard tensor.elementType == element else {
            throw .invalidInput("input '\(info.name)' must have element type \(element.rawValue), got \(tensor.elementType.rawValue)")
        }
        guard let shape else { return }
        guard tensor.rank == shape.count else {
            throw .invalidInput("input '\(info.name)' must have rank \(shape.count) (\(info.type)), got shape \(tensor.shape)")
        }
        for d in 0..<shape.count {
            if let expected = shape[d], tensor.shape[d] != expected {
                throw .invalidInput("input '\(info.name)' dimension \(d) must be \(expected) (\(info.type)), got shape \(tensor.shape)")
            }
        }
    }
}
