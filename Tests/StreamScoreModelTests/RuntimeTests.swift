import Testing
@testable import StreamScoreModel

@Suite("Runtime: execution and feed validation")
struct RuntimeTests {
    /// Y = (X + bias) * X, Z = X - X, with `bias` an initializer.
    static func twoOutputModel() throws -> ModelRuntime {
        let graph = Onnx.graph(
            nodes: [Onnx.node("Add", inputs: ["X", "bias"], outputs: ["S"], name: "add"),
                    Onnx.node("Mul", inputs: ["S", "X"], outputs: ["Y"], name: "mul"),
                    Onnx.node("Sub", inputs: ["X", "X"], outputs: ["Z"], name: "sub")],
            initializers: [Onnx.tensor("bias", dims: [1, 2], floats: [1, 10])],
            inputs: [Onnx.valueInfo("X", type: Onnx.float, dims: [nil, 2])],
            outputs: [Onnx.valueInfo("Y", type: Onnx.float, dims: [nil, 2]),
                      Onnx.valueInfo("Z", type: Onnx.float, dims: [nil, 2])])
        return try ModelRuntime(bytes: Onnx.model(graph, producer: "unit", producerVersion: "2"),
                                registry: RuntimeTestKernels.registry)
    }

    static func floats(_ value: Value?) -> [Float]? {
        guard case .tensor(let t)? = value, case .float32(let v) = t.data else { return nil }
        return v
    }

    @Test func runsByNameAndByPosition() throws {
        let runtime = try Self.twoOutputModel()
        let x = Tensor(shape: [2, 2], float32: [1, 2, 3, 4])
        let named = try runtime.run(["X": .tensor(x)])
        #expect(Self.floats(named["Y"]) == [2, 24, 12, 56])
        #expect(Self.floats(named["Z"]) == [0, 0, 0, 0])
        let positional = try runtime.run(feeds: [.tensor(x)])
        #expect(positional.count == 2)
        #expect(Self.floats(positional[0]) == [2, 24, 12, 56])
    }

    @Test func exposesMetadata() throws {
        let runtime = try Self.twoOutputModel()
        #expect(runtime.inputs == [ValueInfo(name: "X", type: .tensor(.float32, shape: [nil, 2]))])
        #expect(runtime.outputs.map(\.name) == ["Y", "Z"])
        #expect(runtime.opsets == ["": 17, "ai.onnx.ml": 3])
        #expect(runtime.opCounts == ["ai.onnx:Add": 1, "ai.onnx:Mul": 1, "ai.onnx:Sub": 1])
        #expect(runtime.producer == "unit 2")
    }

    @Test func unknownInputNameIsRejected() throws {
        let runtime = try Self.twoOutputModel()
        let x = Value.tensor(Tensor(shape: [1, 2], float32: [1, 2]))
        #expect(throws: ModelError.invalidInput("unknown input 'x'; the model's inputs are 'X'")) {
            try runtime.run(["X": x, "x": x])
        }
    }

    @Test func missingInputIsRejected() throws {
        let runtime = try Self.twoOutputModel()
        #expect(throws: ModelError.invalidInput("missing input 'X' (tensor(float32)[?,2])")) { try runtime.run([:]) }
        #expect(throws: ModelError.invalidInput("expected 1 inputs (X), got 0")) { try runtime.run(feeds: []) }
    }

    @Test func wrongElementTypeIsRejected() throws {
        let runtime = try Self.twoOutputModel()
        #expect(throws: ModelError.invalidInput("input 'X' must have element type float32, got float64")) {
            try runtime.run(["X": .tensor(Tensor(shape: [1, 2], float64: [1, 2]))])
        }
    }

    @Test func wrongRankIsRejected() throws {
        let runtime = try Self.twoOutputModel()
        #expect(throws: ModelError.invalidInput("input 'X' must have rank 2 (tensor(float32)[?,2]), got shape [2]")) {
            try runtime.run(["X": .tensor(Tensor(shape: [2], float32: [1, 2]))])
        }
    }

    @Test func wrongFixedDimensionIsRejected() throws {
        let runtime = try Self.twoOutputModel()
        #expect(throws: ModelError.invalidInput("input 'X' dimension 1 must be 2 (tensor(float32)[?,2]), got shape [1, 3]")) {
            try runtime.run(["X": .tensor(Tensor(shape: [1, 3], float32: [1, 2, 3]))])
        }
    }

    @Test func intermediateValuesAreReleasedAfterLastUse() throws {
        let runtime = try Self.twoOutputModel()
        let steps = runtime.plan.steps
        #expect(steps.map(\.nodeName) == ["add", "mul", "sub"])
        let slotX = runtime.plan.inputSlots[0]
        // S is released after "mul"; X after "sub" (its last reader); outputs are never released.
        let slotS = steps[0].outputSlots[0]
        #expect(steps[0].releaseAfter.contains(runtime.plan.template.firstIndex { $0 != nil }!))  // bias
        #expect(steps[1].releaseAfter == [slotS])
        #expect(steps[2].releaseAfter == [slotX])
        for step in steps {
            for output in runtime.plan.outputSlots { #expect(!step.releaseAfter.contains(output)) }
        }
    }

    @Test func constantNodesAndInitializersReachFactoriesAsConstantInputs() throws {
        let graph = Onnx.graph(
            nodes: [Onnx.node("Constant", inputs: [], outputs: ["c"], name: "const",
                              attributes: [Onnx.attr("value_floats", floats: [1, 2], packed: true)]),
                    Onnx.node("ConstantCount", inputs: ["X", "c", "w", ""], outputs: ["Y"], name: "count")],
            initializers: [Onnx.tensor("w", dims: [1], floats: [3])],
            inputs: [Onnx.valueInfo("X", type: Onnx.float, dims: nil)],
            outputs: [Onnx.valueInfo("Y", type: Onnx.int64, dims: [])])
        let runtime = try ModelRuntime(bytes: Onnx.model(graph), registry: RuntimeTestKernels.registry)
        #expect(runtime.plan.steps.map(\.nodeName) == ["count"])
        let y = try runtime.run(feeds: [.tensor(Tensor(shape: [1], float32: [0]))])
        guard case .tensor(let t) = y[0], case .int64(let v) = t.data else { Issue.record("Y"); return }
        #expect(v == [2])
    }

    @Test func nodesWithOnlyConstantInputsAreEvaluatedAtLoad() throws {
        let graph = Onnx.graph(
            nodes: [Onnx.node("Constant", inputs: [], outputs: ["c"], name: "const",
                              attributes: [Onnx.attr("value", tensor: Onnx.tensor(dims: [2], floats: [1, 2]))]),
                    Onnx.node("Add", inputs: ["c", "w"], outputs: ["cw"], name: "fold"),
                    Onnx.node("Add", inputs: ["X", "cw"], outputs: ["Y"], name: "use")],
            initializers: [Onnx.tensor("w", dims: [2], floats: [10, 20])],
            inputs: [Onnx.valueInfo("X", type: Onnx.float, dims: [2])],
            outputs: [Onnx.valueInfo("Y", type: Onnx.float, dims: [2])])
        let runtime = try ModelRuntime(bytes: Onnx.model(graph), registry: RuntimeTestKernels.registry)
        #expect(runtime.plan.steps.map(\.nodeName) == ["use"])
        let y = try runtime.run(feeds: [.tensor(Tensor(shape: [2], float32: [100, 200]))])
        #expect(Self.floats(y[0]) == [111, 222])
    }

    @Test func graphOutputMayBeAnInputOrAnInitializer() throws {
        let graph = Onnx.graph(
            nodes: [],
            initializers: [Onnx.tensor("w", dims: [1], floats: [7])],
            inputs: [Onnx.valueInfo("X", type: Onnx.float, dims: nil)],
            outputs: [Onnx.valueInfo("X", type: Onnx.float, dims: nil), Onnx.valueInfo("w", type: Onnx.float, dims: nil)])
        let runtime = try ModelRuntime(bytes: Onnx.model(graph), registry: RuntimeTestKernels.registry)
        let out = try runtime.run(feeds: [.tensor(Tensor(shape: [1], float32: [5]))])
        #expect(Self.floats(out[0]) == [5])
        #expect(Self.floats(out[1]) == [7])
    }

    @Test func initializerListedAsInputIsNotRequired() throws {
        // Before IR 4, initializers were also graph inputs; they must not become required feeds.
        let graph = Onnx.graph(
            nodes: [Onnx.node("Add", inputs: ["X", "w"], outputs: ["Y"], name: "add")],
            initializers: [Onnx.tensor("w", dims: [1], floats: [7])],
            inputs: [Onnx.valueInfo("X", type: Onnx.float, dims: nil), Onnx.valueInfo("w", type: Onnx.float, dims: [1])],
            outputs: [Onnx.valueInfo("Y", type: Onnx.float, dims: nil)])
        let runtime = try ModelRuntime(bytes: Onnx.model(graph, irVersion: 3), registry: RuntimeTestKernels.registry)
        #expect(runtime.inputs.map(\.name) == ["X"])
        #expect(Self.floats(try runtime.run(feeds: [.tensor(Tensor(shape: [2], float32: [1, 2]))])[0]) == [8, 9])
    }

    @Test func runtimeIsUsableConcurrently() async throws {
        let runtime = try Self.twoOutputModel()
        let sums = try await withThrowingTaskGroup(of: Float.self) { group in
            for i in 0..<8 {
                group.addTask {
                    let x = Tensor(shape: [1, 2], float32: [Float(i), 1])
                    return Self.floats(try runtime.run(feeds: [.tensor(x)])[0])!.reduce(0, +)
                }
            }
            return try await group.reduce(into: [Float]()) { $0.append($1) }.sorted()
        }
        // (i + 1) * i + (1 + 10) * 1 for i in 0..<8
        let expected: [Float] = (0..<8).map { (i: Int) -> Float in Float((i + 1) * i + 11) }
        #expect(sums == expected)
    }

    @Test func constantNodeVariants() throws {
        let cases: [([UInt8], Tensor)] = [
            (Onnx.attr("value_float", float: 1.5), Tensor(shape: [], float32: [1.5])),
            (Onnx.attr("value_int", int: -4), Tensor(shape: [], int64: [-4])),
            (Onnx.attr("value_ints", ints: [1, 2], packed: true), Tensor(shape: [2], int64: [1, 2])),
            (Onnx.attr("value_string", string: "hi"), Tensor(shape: [], string: ["hi"])),
            (Onnx.attr("value_strings", strings: ["a", "b"]), Tensor(shape: [2], string: ["a", "b"])),
        ]
        for (attribute, expected) in cases {
            let graph = Onnx.graph(nodes: [Onnx.node("Constant", inputs: [], outputs: ["c"], name: "k", attributes: [attribute])],
                                   inputs: [], outputs: [Onnx.valueInfo("c", type: Onnx.float, dims: nil)])
            let runtime = try ModelRuntime(bytes: Onnx.model(graph), registry: RuntimeTestKernels.registry)
            #expect(runtime.plan.steps.isEmpty)
            guard case .tensor(let t) = try runtime.run(feeds: [])[0] else { Issue.record("not a tensor"); continue }
            #expect(t.shape == expected.shape)
            #expect(OutputWriter.json(t) == OutputWriter.json(expected))
        }
        let bad = Onnx.graph(nodes: [Onnx.node("Constant", inputs: [], outputs: ["c"], name: "k",
                                               attributes: [Onnx.attr("sparse_value", int: 1)])],
                             inputs: [], outputs: [Onnx.valueInfo("c", type: Onnx.float, dims: nil)])
        #expect(throws: ModelError.invalidNode(node: "k", message: "unsupported Constant attribute 'sparse_value'")) {
            try ModelRuntime(bytes: Onnx.model(bad), registry: RuntimeTestKernels.registry)
        }
    }
}
