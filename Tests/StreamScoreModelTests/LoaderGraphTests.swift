import Testing
@testable import StreamScoreModel

@Suite("Loader: graph validation at load time")
struct LoaderGraphTests {
    static let x = Onnx.valueInfo("X", type: Onnx.float, dims: [nil, 2])
    static func y(_ name: String = "Y") -> [UInt8] { Onnx.valueInfo(name, type: Onnx.float, dims: [nil, 2]) }

    func load(_ graph: [UInt8], opsets: [(String, Int64)] = [("", 17), ("ai.onnx.ml", 3)]) throws(ModelError) -> ModelRuntime {
        try ModelRuntime(bytes: Onnx.model(graph, opsets: opsets), registry: RuntimeTestKernels.registry)
    }

    @Test func unknownOperatorIsReportedWithNodeOpDomainAndVersion() {
        let graph = Onnx.graph(nodes: [Onnx.node("FancyOp", inputs: ["X"], outputs: ["Y"], name: "fancy")],
                               inputs: [Self.x], outputs: [Self.y()])
        #expect(throws: ModelError.unsupportedOperator(node: "fancy", op: "FancyOp", domain: "", version: 17)) {
            try load(graph)
        }
    }

    @Test func unsupportedVersionIsReported() {
        let graph = Onnx.graph(nodes: [Onnx.node("ArgumentCount", inputs: ["X"], outputs: ["Y"], name: "n",
                                                 domain: "test.domain")],
                               inputs: [Self.x], outputs: [Self.y()])
        #expect(throws: ModelError.unsupportedOperator(node: "n", op: "ArgumentCount", domain: "test.domain", version: 2)) {
            try load(graph, opsets: [("", 17), ("test.domain", 2)])
        }
    }

    @Test func unknownOperatorInTheStandardRegistryFailsAtLoad() {
        let graph = Onnx.graph(nodes: [Onnx.node("NoSuchOperator", inputs: ["X"], outputs: ["Y"], name: "n")],
                               inputs: [Self.x], outputs: [Self.y()])
        #expect(throws: ModelError.unsupportedOperator(node: "n", op: "NoSuchOperator", domain: "", version: 17)) {
            try ModelRuntime(bytes: Onnx.model(graph))
        }
    }

    @Test func domainNotImportedIsInvalid() {
        let graph = Onnx.graph(nodes: [Onnx.node("ArgumentCount", inputs: ["X"], outputs: ["Y"], name: "n",
                                                 domain: "test.domain")],
                               inputs: [Self.x], outputs: [Self.y()])
        #expect(throws: ModelError.invalidGraph("node 'n' (ArgumentCount) uses domain 'test.domain', which the model does not import")) {
            try load(graph)
        }
    }

    @Test func missingInitializerIsReported() {
        let graph = Onnx.graph(nodes: [Onnx.node("Add", inputs: ["X", "bias"], outputs: ["Y"], name: "x")],
                               inputs: [Self.x], outputs: [Self.y()])
        #expect(throws: ModelError.invalidGraph("node 'x' (Add) input 'bias' is not produced by any node, initializer or graph input")) {
            try load(graph)
        }
    }

    @Test func unnamedNodesAreLabelledByOpAndPosition() {
        let graph = Onnx.graph(nodes: [Onnx.node("Identity", inputs: ["X"], outputs: ["T"]),
                                       Onnx.node("Add", inputs: ["T", "nothing"], outputs: ["Y"])],
                               inputs: [Self.x], outputs: [Self.y()])
        #expect(throws: ModelError.invalidGraph("node 'Add_1' (Add) input 'nothing' is not produced by any node, initializer or graph input")) {
            try load(graph)
        }
    }

    @Test func unproducedGraphOutputIsReported() {
        let graph = Onnx.graph(nodes: [Onnx.node("Identity", inputs: ["X"], outputs: ["T"], name: "id")],
                               inputs: [Self.x], outputs: [Self.y("Z")])
        #expect(throws: ModelError.invalidGraph("graph output 'Z' is not produced by any node, initializer or graph input")) {
            try load(graph)
        }
    }

    @Test func cycleIsReportedWithTheNodesInvolved() {
        let graph = Onnx.graph(
            nodes: [
                Onnx.node("Identity", inputs: ["X"], outputs: ["A"], name: "start"),
                Onnx.node("Add", inputs: ["A", "C"], outputs: ["B"], name: "first"),
                Onnx.node("Identity", inputs: ["B"], outputs: ["C"], name: "second"),
                Onnx.node("Identity", inputs: ["B"], outputs: ["Y"], name: "after"),
            ],
            inputs: [Self.x], outputs: [Self.y()])
        do {
            _ = try load(graph)
            Issue.record("expected a cycle error")
        } catch {
            guard case .invalidGraph(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.hasPrefix("cycle among nodes"))
            #expect(message.contains("'first' (Add)"))
            #expect(message.contains("'second' (Identity)"))
            #expect(!message.contains("'start'"))
            #expect(!message.contains("'after'"))
        }
    }

    @Test func selfLoopIsACycle() {
        let graph = Onnx.graph(nodes: [Onnx.node("Add", inputs: ["X", "Y"], outputs: ["Y"], name: "loop")],
                               inputs: [Self.x], outputs: [Self.y()])
        #expect(throws: ModelError.invalidGraph("cycle among nodes 'loop' (Add)")) { try load(graph) }
    }

    @Test func valueProducedTwiceIsInvalid() {
        let graph = Onnx.graph(nodes: [Onnx.node("Identity", inputs: ["X"], outputs: ["Y"], name: "a"),
                                       Onnx.node("Identity", inputs: ["X"], outputs: ["Y"], name: "b")],
                               inputs: [Self.x], outputs: [Self.y()])
        #expect(throws: ModelError.invalidGraph("value 'Y' is produced more than once (again by node 'b' (Identity))")) {
            try load(graph)
        }
    }

    @Test func nodesOutOfFileOrderAreSorted() throws {
        let graph = Onnx.graph(nodes: [Onnx.node("Add", inputs: ["T", "T"], outputs: ["Y"], name: "second"),
                                       Onnx.node("Mul", inputs: ["X", "X"], outputs: ["T"], name: "first")],
                               inputs: [Self.x], outputs: [Self.y()])
        let runtime = try load(graph)
        #expect(runtime.plan.steps.map(\.nodeName) == ["first", "second"])
        let out = try runtime.run(["X": .tensor(Tensor(shape: [1, 2], float32: [3, -2]))])
        guard case .tensor(let y)? = out["Y"], case .float32(let v) = y.data else { Issue.record("no Y"); return }
        #expect(v == [18, 8])
    }

    @Test func graphInputWithUnsupportedTypeIsRejected() {
        let graph = Onnx.graph(nodes: [Onnx.node("Identity", inputs: ["M"], outputs: ["Y"], name: "id")],
                               inputs: [Onnx.mapSequenceInfo("M", keyType: Onnx.string)], outputs: [Self.y()])
        #expect(throws: ModelError.invalidGraph("graph input 'M' has unsupported type seq(map(string,float32))")) {
            try load(graph)
        }
    }

    @Test func truncatedModelFileFailsToLoad() {
        let graph = Onnx.graph(nodes: [Onnx.node("Add", inputs: ["X", "X"], outputs: ["Y"], name: "a")],
                               inputs: [Self.x], outputs: [Self.y()])
        let bytes = Onnx.model(graph)
        #expect(throws: ModelError.self) {
            try ModelRuntime(bytes: Array(bytes[..<(bytes.count - 3)]), registry: RuntimeTestKernels.registry)
        }
    }
}
