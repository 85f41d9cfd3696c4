@testable import StreamScoreModel

/// Helpers for the ai.onnx.ml kernel tests: build a node, get its kernel from a registry filled by
/// `MLKernels.register(into:)`, run it and read typed outputs.
enum MLTest {
    static let registry: KernelRegistry = {
        var registry = KernelRegistry()
        MLKernels.register(into: &registry)
        return registry
    }()

    static func node(_ op: String, version: Int = 1, inputs: [String] = ["X"], outputs: [String] = ["Y"],
                     _ attributes: [String: Attribute]) -> NodeInfo {
        NodeInfo(name: "n", opType: op, domain: "ai.onnx.ml", opsetVersion: version, inputs: inputs,
                 outputs: outputs, attributes: attributes)
    }

    static func kernel(_ op: String, version: Int = 1, inputs: [String] = ["X"], outputs: [String] = ["Y"],
                       _ attributes: [String: Attribute]) throws -> any Kernel {
        let info = node(op, version: version, inputs: inputs, outputs: outputs, attributes)
        return try registry.factory(for: info)(info)
    }

    /// Runs the node on float32 rows.
    static func run(_ op: String, version: Int = 1, _ attributes: [String: Attribute], rows: [[Float]]) throws -> [Value] {
        let k = try kernel(op, version: version, attributes)
        let flat = rows.flatMap { $0 }
        return try k.run([.tensor(Tensor(shape: [rows.count, rows.first?.count ?? 0], float32: flat))])
    }

    static func floats(_ value: Value) -> [Float] {
        guard case .tensor(let t) = value, case .float32(let v) = t.data else { return [] }
        return v
    }

    static func doubles(_ value: Value) -> [Double] {
        guard case .tensor(let t) = value, case .float64(let v) = t.data else { return [] }
        return v
    }

    static func int64s(_ value: Value) -> [Int64] {
        guard case .tensor(let t) = value, case .int64(let v) = t.data else { return [] }
        return v
    }

    static func strings(_ value: Value) -> [String] {
        guard case .tensor(let t) = value, case .string(let v) = t.data else { return [] }
        return v
    }

    static func shape(_ value: Value) -> [Int] {
        guard case .tensor(let t) = value else { return [] }
        return t.shape
    }

    /// Element-wise closeness (1e-5 relative or 1e-6 absolute).
    static func close(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x == y || abs(x - y) <= max(1e-6, tolerance * max(abs(x), abs(y)))
        }
    }

    /// The invalidNode message, or nil when building succeeded or failed differently.
    static func loadError(_ op: String, version: Int = 1, _ attributes: [String: Attribute]) -> String? {
        do {
            _ = try kernel(op, version: version, attributes)
            return nil
        } catch let error as ModelError {
            if case .invalidNode(_, let message) = error { return message }
            return nil
        } catch {
            return nil
        }
    }
}

/// Builds tree-ensemble attribute dictionaries from a readable node list.
struct MLTreeBuilder {
    struct TreeNode {
        var tree: Int64, id: Int64, feature: Int64 = 0, mode: String, value: Float = 0
        var trueId: Int64 = 0, falseId: Int64 = 0, missingTrue: Int64 = 0
    }
    struct Weight { var tree: Int64; var node: Int64; var target: Int64; var value: Float }

    var nodes: [TreeNode] = []
    var weights: [Weight] = []

    mutating func branch(tree: Int64 = 0, _ id: Int64, feature: Int64, _ mode: String, _ value: Float,
                         true trueId: Int64, false falseId: Int64, missingTrue: Int64 = 0) {
        nodes.append(TreeNode(tree: tree, id: id, feature: feature, mode: mode, value: value,
                              trueId: trueId, falseId: falseId, missingTrue: missingTrue))
    }

    mutating func leaf(tree: Int64 = 0, _ id: Int64, _ targetWeights: [(Int64, Float)]) {
        nodes.append(TreeNode(tree: tree, id: id, mode: "LEAF"))
        for (target, value) in targetWeights { weights.append(Weight(tree: tree, node: id, target: target, value: value)) }
    }

    /// Attributes with `prefix` "target_" (regressor) or "class_" (classifier).
    func attributes(prefix: String, asTensors: Bool = false) -> [String: Attribute] {
        var a: [String: Attribute] = [
            "nodes_treeids": .ints(nodes.map(\.tree)), "nodes_nodeids": .ints(nodes.map(\.id)),
            "nodes_featureids": .ints(nodes.map(\.feature)), "nodes_modes": .strings(nodes.map(\.mode)),
            "nodes_truenodeids": .ints(nodes.map(\.trueId)), "nodes_falsenodeids": .ints(nodes.map(\.falseId)),
            "nodes_missing_value_tracks_true": .ints(nodes.map(\.missingTrue)),
            prefix + "treeids": .ints(weights.map(\.tree)), prefix + "nodeids": .ints(weights.map(\.node)),
            prefix + "ids": .ints(weights.map(\.target)),
        ]
        if asTensors {
            a["nodes_values_as_tensor"] = .tensor(Tensor(shape: [nodes.count], float64: nodes.map { Double($0.value) }))
            a[prefix + "weights_as_tensor"] = .tensor(Tensor(shape: [weights.count], float64: weights.map { Double($0.value) }))
        } else {
            a["nodes_values"] = .floats(nodes.map(\.value))
            a[prefix + "weights"] = .floats(weights.map(\.value))
        }
        return a
    }
}
