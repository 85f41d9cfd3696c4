import Testing
@testable import StreamScoreModel

@Suite("Runtime: Scan")
struct RuntimeScanTests {
    /// Body: s_out = s_in + x_t; y_t = s_out (a running sum).
    static func runningSumBody(extraNodes: [[UInt8]] = [], yInput: String = "s_out") -> [UInt8] {
        Onnx.graph(
            name: "body",
            nodes: [Onnx.node("Add", inputs: ["s_in", "x_t"], outputs: ["s_out"], name: "acc")]
                + extraNodes
                + [Onnx.node("Identity", inputs: [yInput], outputs: ["y_t"], name: "emit")],
            inputs: [Onnx.valueInfo("s_in", type: Onnx.float, dims: nil), Onnx.valueInfo("x_t", type: Onnx.float, dims: nil)],
            outputs: [Onnx.valueInfo("s_out", type: Onnx.float, dims: nil), Onnx.valueInfo("y_t", type: Onnx.float, dims: nil)])
    }

    static func scanModel(body: [UInt8], attributes: [[UInt8]] = [], extraNodes: [[UInt8]] = [],
                          extraInputs: [[UInt8]] = [], initializers: [[UInt8]] = [],
                          opset: Int64 = 16) throws -> ModelRuntime {
        let graph = Onnx.graph(
            nodes: extraNodes + [Onnx.node("Scan", inputs: ["init", "seq"], outputs: ["final", "ys"], name: "scan",
                                           attributes: [Onnx.attr("body", graph: body),
                                                        Onnx.attr("num_scan_inputs", int: 1)] + attributes)],
            initializers: initializers,
            inputs: [Onnx.valueInfo("init", type: Onnx.float, dims: [2]),
                     Onnx.valueInfo("seq", type: Onnx.float, dims: nil)] + extraInputs,
            outputs: [Onnx.valueInfo("final", type: Onnx.float, dims: nil), Onnx.valueInfo("ys", type: Onnx.float, dims: nil)])
        return try ModelRuntime(bytes: Onnx.model(graph, opsets: [("", opset)]), registry: RuntimeTestKernels.registry)
    }

    static func tensor(_ value: Value) -> (shape: [Int], values: [Float])? {
        guard case .tensor(let t) = value, case .float32(let v) = t.data else { return nil }
        return (t.shape, v)
    }

    static let rows = Tensor(shape: [3, 2], float32: [1, 2, 3, 4, 5, 6])
    static let zero = Tensor(shape: [2], float32: [0, 0])

    @Test func runningSumForward() throws {
        let runtime = try Self.scanModel(body: Self.runningSumBody())
        let out = try runtime.run(feeds: [.tensor(Self.zero), .tensor(Self.rows)])
        #expect(Self.tensor(out[0])?.values == [9, 12])
        #expect(Self.tensor(out[1])?.shape == [3, 2])
        #expect(Self.tensor(out[1])?.values == [1, 2, 4, 6, 9, 12])
    }

    @Test func reverseInputAndOutputDirections() throws {
        let reversedInput = try Self.scanModel(body: Self.runningSumBody(),
                                               attributes: [Onnx.attr("scan_input_directions", ints: [1], packed: false)])
        let a = try reversedInput.run(feeds: [.tensor(Self.zero), .tensor(Self.rows)])
        #expect(Self.tensor(a[1])?.values == [5, 6, 8, 10, 9, 12])
        let reversedOutput = try Self.scanModel(body: Self.runningSumBody(),
                                                attributes: [Onnx.attr("scan_output_directions", ints: [1], packed: true)])
        let b = try reversedOutput.run(feeds: [.tensor(Self.zero), .tensor(Self.rows)])
        #expect(Self.tensor(b[1])?.values == [9, 12, 4, 6, 1, 2])
    }

    @Test func inputAndOutputAxes() throws {
        // Scan over the columns of a [2, 3] input and stack outputs as columns.
        let runtime = try Self.scanModel(body: Self.runningSumBody(),
                                         attributes: [Onnx.attr("scan_input_axes", ints: [-1], packed: true),
                                                      Onnx.attr("scan_output_axes", ints: [1], packed: true)])
        let columns = Tensor(shape: [2, 3], float32: [1, 3, 5, 2, 4, 6])
        let out = try runtime.run(feeds: [.tensor(Self.zero), .tensor(columns)])
        #expect(Self.tensor(out[0])?.values == [9, 12])
        #expect(Self.tensor(out[1])?.shape == [2, 3])
        #expect(Self.tensor(out[1])?.values == [1, 4, 9, 2, 6, 12])
    }

    @Test func bodyReadsOuterScopeValuesAndConstants() throws {
        // y_t = s_out + doubled + w, where `doubled` is computed at run time in the main graph
        // and `w` is a main-graph initializer.
        let body = Self.runningSumBody(extraNodes: [Onnx.node("Add", inputs: ["s_out", "doubled"], outputs: ["t1"], name: "outer"),
                                                    Onnx.node("Add", inputs: ["t1", "w"], outputs: ["t2"], name: "const")],
                                       yInput: "t2")
        let runtime = try Self.scanModel(
            body: body,
            extraNodes: [Onnx.node("Add", inputs: ["k", "k"], outputs: ["doubled"], name: "double")],
            extraInputs: [Onnx.valueInfo("k", type: Onnx.float, dims: [2])],
            initializers: [Onnx.tensor("w", dims: [2], floats: [1000, 2000])])
        let scanStep = try #require(runtime.plan.steps.last)
        #expect(scanStep.inputSlots.count == 3)  // init, seq and the implicit `doubled`; `w` is baked in
        let out = try runtime.run(feeds: [.tensor(Self.zero), .tensor(Self.rows), .tensor(Tensor(shape: [2], float32: [10, 100]))])
        #expect(Self.tensor(out[1])?.values == [1021, 2202, 1024, 2206, 1029, 2212])
    }

    @Test func bodyWithUnsupportedOperatorFailsAtLoad() {
        let body = Onnx.graph(nodes: [Onnx.node("Mystery", inputs: ["s_in", "x_t"], outputs: ["s_out"], name: "m"),
                                      Onnx.node("Identity", inputs: ["s_out"], outputs: ["y_t"])],
                              inputs: [Onnx.valueInfo("s_in", type: Onnx.float, dims: nil), Onnx.valueInfo("x_t", type: Onnx.float, dims: nil)],
                              outputs: [Onnx.valueInfo("s_out", type: Onnx.float, dims: nil), Onnx.valueInfo("y_t", type: Onnx.float, dims: nil)])
        #expect(throws: ModelError.unsupportedOperator(node: "m", op: "Mystery", domain: "", version: 16)) {
            try Self.scanModel(body: body)
        }
    }

    @Test func scanBeforeOpset9IsUnsupported() {
        #expect(throws: ModelError.unsupportedOperator(node: "scan", op: "Scan", domain: "", version: 8)) {
            try Self.scanModel(body: Self.runningSumBody(), opset: 8)
        }
    }

    @Test func bodyInputCountMustMatch() {
        let body = Onnx.graph(nodes: [Onnx.node("Identity", inputs: ["s_in"], outputs: ["s_out"]),
                                      Onnx.node("Identity", inputs: ["s_in"], outputs: ["y_t"])],
                              inputs: [Onnx.valueInfo("s_in", type: Onnx.float, dims: nil)],
                              outputs: [Onnx.valueInfo("s_out", type: Onnx.float, dims: nil), Onnx.valueInfo("y_t", type: Onnx.float, dims: nil)])
        #expect(throws: ModelError.invalidNode(node: "scan", message: "Scan body has 1 inputs, expected 2 (states + scan inputs)")) {
            try Self.scanModel(body: body)
        }
    }

    @Test func sliceAndStackAreInverse() throws {
        let t = Tensor(shape: [2, 3, 2], int64: (0..<12).map(Int64.init))
        for axis in 0..<3 {
            let slices = (0..<t.shape[axis]).map { ScanKernel.slice(t, axis: axis, index: $0) }
            let stacked = try ScanKernel.stack(slices, axis: axis, node: "n")
            #expect(stacked.shape == t.shape)
            guard case .int64(let v) = stacked.data else { Issue.record("type"); return }
            #expect(v == (0..<12).map(Int64.init))
        }
        guard case .int64(let middle) = ScanKernel.slice(t, axis: 1, index: 1).data else { return }
        #expect(middle == [2, 3, 8, 9])
    }
}
