import Testing
@testable import StreamScoreModel

/// Builds default-domain kernels through a `KernelRegistry` filled by `DefaultKernels.register(into:)`
/// and runs them on tensors, for the Default* test suites.
enum DefaultOpsHarness {
    static let registry: KernelRegistry = {
        var registry = KernelRegistry()
        DefaultKernels.register(into: &registry)
        return registry
    }()

    /// Compiles one node of `op` at opset `version`.
    static func kernel(_ op: String, version: Int, inputCount: Int = 1, outputCount: Int = 1,
                       attributes: [String: Attribute] = [:], constants: [Int: Tensor] = [:]) throws -> any Kernel {
        let node = NodeInfo(name: "n_\(op)", opType: op, domain: "", opsetVersion: version,
                            inputs: (0..<inputCount).map { "in\($0)" }, outputs: (0..<outputCount).map { "out\($0)" },
                            attributes: attributes, constantInputs: constants)
        return try registry.factory(for: node)(node)
    }

    /// Compiles and runs a node; `nil` inputs are omitted optional inputs.
    static func run(_ op: String, version: Int, _ inputs: [Tensor?], attributes: [String: Attribute] = [:],
                    outputCount: Int = 1, constants: [Int: Tensor] = [:]) throws -> [Tensor] {
        let kernel = try kernel(op, version: version, inputCount: inputs.count, outputCount: outputCount,
                                attributes: attributes, constants: constants)
        return try kernel.run(inputs.map { $0.map(Value.tensor) }).map { value in
            guard case .tensor(let tensor) = value else { fatalError("expected a tensor output") }
            return tensor
        }
    }

    /// Runs a node with a single output.
    static func run1(_ op: String, version: Int, _ inputs: [Tensor?], attributes: [String: Attribute] = [:],
                     constants: [Int: Tensor] = [:]) throws -> Tensor {
        try run(op, version: version, inputs, attributes: attributes, constants: constants)[0]
    }

    static func floats(_ tensor: Tensor) -> [Float] {
        guard case .float32(let values) = tensor.data else { fatalError("expected float32, got \(tensor.elementType)") }
        return values
    }

    static func doubles(_ tensor: Tensor) -> [Double] {
        guard case .float64(let values) = tensor.data else { fatalError("expected float64, got \(tensor.elementType)") }
        return values
    }

    static func int64s(_ tensor: Tensor) -> [Int64] {
        guard case .int64(let values) = tensor.data else { fatalError("expected int64, got \(tensor.elementType)") }
        return values
    }

    static func int32s(_ tensor: Tensor) -> [Int32] {
        guard case .int32(let values) = tensor.data else { fatalError("expected int32, got \(tensor.elementType)") }
        return values
    }

    static func bools(_ tensor: Tensor) -> [Bool] {
        guard case .bool(let values) = tensor.data else { fatalError("expected bool, got \(tensor.elementType)") }
        return values
    }

    static func strings(_ tensor: Tensor) -> [String] {
        guard case .string(let values) = tensor.data else { fatalError("expected string, got \(tensor.elementType)") }
        return values
    }

    /// Whether two float arrays agree within `1e-5` relative or `tolerance` absolute, NaN matching NaN.
    static func close(_ a: [Float], _ b: [Float], tolerance: Float = 1e-6) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in
            (x.isNaN && y.isNaN) || x == y || abs(x - y) <= max(tolerance, 1e-5 * max(abs(x), abs(y)))
        }
    }

    static func close(_ a: [Double], _ b: [Double], tolerance: Double = 1e-9) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in
            (x.isNaN && y.isNaN) || x == y || abs(x - y) <= max(tolerance, 1e-9 * max(abs(x), abs(y)))
        }
    }

    /// A float32 tensor.
    static func f(_ shape: [Int], _ values: [Float]) -> Tensor { Tensor(shape: shape, float32: values) }
    /// An int64 tensor.
    static func i(_ shape: [Int], _ values: [Int64]) -> Tensor { Tensor(shape: shape, int64: values) }
    /// A 1-D int64 tensor (axes, shapes, sizes).
    static func ints(_ values: [Int64]) -> Tensor { Tensor(shape: [values.count], int64: values) }
}
