import Testing
@testable import StreamScoreModel

@Suite("Loader: protobuf decoding")
struct LoaderDecodingTests {
    /// A model exercising most message kinds and both repeated encodings.
    static func richModel() -> [UInt8] {
        let attributes = [
            Onnx.attr("alpha", float: 0.5),
            Onnx.attr("axis", int: -1),
            Onnx.attr("mode", string: "BRANCH_LEQ"),
            Onnx.attr("packed_floats", floats: [1.5, -2.25, 3], packed: true),
            Onnx.attr("unpacked_floats", floats: [4, 5.5], packed: false),
            Onnx.attr("packed_ints", ints: [1, -2, 300_000_000_000], packed: true),
            Onnx.attr("unpacked_ints", ints: [-7, 8], packed: false),
            Onnx.attr("labels", strings: ["setosa", "versicolor"]),
            Onnx.attr("coef", tensor: Onnx.tensor(dims: [2], doubles: [0.25, -0.5])),
            Onnx.attr("untyped", int: 42, typed: false),
            Onnx.attr("weights", tensors: [Onnx.tensor(dims: [1], floats: [9])]),
        ]
        let graph = Onnx.graph(
            name: "rich",
            nodes: [Onnx.node("LinearClassifier", inputs: ["X"], outputs: ["label", "probabilities"], name: "lin",
                              domain: "ai.onnx.ml", attributes: attributes)],
            initializers: [
                Onnx.tensor("w_packed", dims: [2, 2], floats: [1, 2, 3, 4]),
                Onnx.tensor("w_raw", dims: [2, 2], floats: [5, 6, 7, 8], raw: true),
                Onnx.tensor("i_raw", dims: [3], int64s: [-1, 0, 1 << 40], raw: true),
                Onnx.tensor("i_packed", dims: [2], int64s: [-5, 6]),
                Onnx.tensor("d_raw", dims: [1], doubles: [3.5], raw: true),
                Onnx.tensor("i32", dims: [2], int32s: [-3, 70000]),
                Onnx.tensor("s", dims: [2], strings: ["a", "bé"]),
                Onnx.tensor("scalar", dims: [], floats: [2.5]),
            ],
            inputs: [Onnx.valueInfo("X", type: Onnx.float, dims: [nil, 4])],
            outputs: [Onnx.valueInfo("label", type: Onnx.int64, dims: [nil]),
                      Onnx.mapSequenceInfo("probabilities", keyType: Onnx.int64)],
            valueInfo: [Onnx.valueInfo("tmp", type: Onnx.double, dims: nil)])
        return Onnx.model(graph, opsets: [("", 17), ("ai.onnx.ml", 1)], producer: "skl2onnx",
                          producerVersion: "1.20.0", metadata: [("author", "tests")])
    }

    @Test func decodesModelHeader() throws {
        let model = try OnnxModel.decode(Self.richModel())
        #expect(model.irVersion == 8)
        #expect(model.opsets == ["": 17, "ai.onnx.ml": 1])
        #expect(model.producerName == "skl2onnx")
        #expect(model.producerVersion == "1.20.0")
        #expect(model.metadata == ["author": "tests"])
        #expect(model.graph.name == "rich")
    }

    @Test func decodesValueInfos() throws {
        let graph = try OnnxModel.decode(Self.richModel()).graph
        #expect(graph.inputs == [ValueInfo(name: "X", type: .tensor(.float32, shape: [nil, 4]))])
        #expect(graph.outputs == [ValueInfo(name: "label", type: .tensor(.int64, shape: [nil])),
                                  ValueInfo(name: "probabilities", type: .mapSequence(keys: .int64))])
        #expect(graph.valueInfo == [ValueInfo(name: "tmp", type: .tensor(.float64, shape: nil))])
        #expect(graph.outputs[1].type.description == "seq(map(int64,float32))")
        #expect(graph.inputs[0].type.description == "tensor(float32)[?,4]")
    }

    @Test func decodesNodeAndAttributes() throws {
        let node = try #require(try OnnxModel.decode(Self.richModel()).graph.nodes.first)
        #expect(node.name == "lin")
        #expect(node.opType == "LinearClassifier")
        #expect(node.domain == "ai.onnx.ml")
        #expect(node.inputs == ["X"])
        #expect(node.outputs == ["label", "probabilities"])
        guard case .float(let alpha)? = node.attributes["alpha"] else { Issue.record("alpha"); return }
        #expect(alpha == 0.5)
        guard case .int(let axis)? = node.attributes["axis"] else { Issue.record("axis"); return }
        #expect(axis == -1)
        guard case .string(let mode)? = node.attributes["mode"] else { Issue.record("mode"); return }
        #expect(mode == "BRANCH_LEQ")
        guard case .floats(let packed)? = node.attributes["packed_floats"],
              case .floats(let unpacked)? = node.attributes["unpacked_floats"] else { Issue.record("floats"); return }
        #expect(packed == [1.5, -2.25, 3])
        #expect(unpacked == [4, 5.5])
        guard case .ints(let packedInts)? = node.attributes["packed_ints"],
              case .ints(let unpackedInts)? = node.attributes["unpacked_ints"] else { Issue.record("ints"); return }
        #expect(packedInts == [1, -2, 300_000_000_000])
        #expect(unpackedInts == [-7, 8])
        guard case .strings(let labels)? = node.attributes["labels"] else { Issue.record("labels"); return }
        #expect(labels == ["setosa", "versicolor"])
        guard case .tensor(let coef)? = node.attributes["coef"], case .float64(let c) = coef.data else {
            Issue.record("coef"); return
        }
        #expect(coef.shape == [2])
        #expect(c == [0.25, -0.5])
        guard case .int(let untyped)? = node.attributes["untyped"] else { Issue.record("untyped"); return }
        #expect(untyped == 42)
        guard case .tensors(let weights)? = node.attributes["weights"], case .float32(let w) = weights.first?.data else {
            Issue.record("weights"); return
        }
        #expect(w == [9])
    }

    @Test func decodesInitializersInEveryEncoding() throws {
        let initializers = try OnnxModel.decode(Self.richModel()).graph.initializers
        func data(_ name: String) -> TensorData? { initializers[name]?.data }
        guard case .float32(let packed)? = data("w_packed"), case .float32(let raw)? = data("w_raw"),
              case .int64(let iRaw)? = data("i_raw"), case .int64(let iPacked)? = data("i_packed"),
              case .float64(let d)? = data("d_raw"), case .int32(let i32)? = data("i32"),
              case .string(let s)? = data("s"), case .float32(let scalar)? = data("scalar") else {
            Issue.record("initializer types: \(initializers.mapValues(\.elementType))")
            return
        }
        #expect(packed == [1, 2, 3, 4])
        #expect(initializers["w_packed"]?.shape == [2, 2])
        #expect(raw == [5, 6, 7, 8])
        #expect(iRaw == [-1, 0, 1 << 40])
        #expect(iPacked == [-5, 6])
        #expect(d == [3.5])
        #expect(i32 == [-3, 70000])
        #expect(s == ["a", "bé"])
        #expect(scalar == [2.5])
        #expect(initializers["scalar"]?.shape == [])
    }

    @Test func skipsUnknownFieldsOfEveryWireType() throws {
        var w = ProtoWriter()
        w.int(1, 7)
        w.int(99, 123)                 // unknown varint
        w.double(98, 1.5)              // unknown fixed64
        w.float(97, 2.5)               // unknown fixed32
        w.string(96, "unknown bytes")  // unknown length-delimited
        w.bytes(7, Onnx.graph(nodes: [], inputs: [], outputs: []))
        let model = try OnnxModel.decode(w.bytes)
        #expect(model.irVersion == 7)
        #expect(model.opsets == ["": 1])
    }

    @Test func everyTruncationIsReportedAsMalformed() {
        let bytes = Self.richModel()
        for cut in [1, 2, 5, 17, bytes.count / 3, bytes.count / 2, bytes.count - 1] {
            #expect(throws: ModelError.self, "cut at \(cut)") { try OnnxModel.decode(Array(bytes[..<cut])) }
        }
        // Every prefix either fails with `.malformed` or (rarely) decodes; none may crash.
        for cut in 0..<bytes.count {
            do {
                _ = try OnnxModel.decode(Array(bytes[..<cut]))
            } catch {
                guard case .malformed = error else {
                    Issue.record("cut at \(cut): \(error)")
                    return
                }
            }
        }
    }

    @Test func truncatedVarintMessageNamesOffsetAndPath() {
        // ir_version key, then a varint whose continuation bit promises more bytes.
        let bytes: [UInt8] = [0x08, 0x96]
        #expect(throws: ModelError.malformed("truncated varint at byte 1 in ModelProto")) {
            try OnnxModel.decode(bytes)
        }
    }

    @Test func truncatedNestedMessageNamesThePath() {
        // A graph whose node claims more bytes than the graph holds.
        var graph = ProtoWriter()
        graph.key(1, wire: 2)
        graph.varint(50)
        graph.bytes.append(contentsOf: [0x0A, 0x01])
        var model = ProtoWriter()
        model.bytes(7, graph.bytes)
        do {
            _ = try OnnxModel.decode(model.bytes)
            Issue.record("expected an error")
        } catch {
            #expect(error == .malformed("truncated field 'node' (length 50, 2 bytes left) at byte 3 in ModelProto.graph"))
        }
    }

    @Test func rejectsTensorWhoseDataDoesNotMatchItsShape() {
        let graph = Onnx.graph(nodes: [], initializers: [Onnx.tensor("w", dims: [2, 3], floats: [1, 2])],
                               inputs: [], outputs: [])
        let bytes = Onnx.model(graph)
        // The offset reported is where the tensor message starts: after the graph's name
        // field (3 bytes) and the initializer's key and length (2 bytes).
        let tensorStart = bytes.count - graph.count + 5
        #expect(throws: ModelError.malformed("tensor 'w' has shape [2, 3] (6 elements) but 2 values at byte \(tensorStart) in ModelProto.graph.initializer")) {
            try OnnxModel.decode(bytes)
        }
    }

    @Test func rejectsGroupsAndBadWireTypes() {
        #expect(throws: ModelError.self) { try OnnxModel.decode([0x0B]) }          // field 1 start group
        #expect(throws: ModelError.self) { try OnnxModel.decode([0x0F]) }          // wire type 7
        #expect(throws: ModelError.self) { try OnnxModel.decode([0x0A, 0x00]) }    // ir_version as bytes
    }

    @Test func rejectsAModelWithoutGraph() {
        var w = ProtoWriter()
        w.int(1, 8)
        #expect(throws: ModelError.malformed("ModelProto has no graph")) { try OnnxModel.decode(w.bytes) }
    }

    @Test func smallIntegerTypesWidenToInt32AndBoolsDecode() throws {
        let uint8 = Onnx.tensor("u8", dims: [3], type: 2) { $0.bytes(9, [0, 200, 255]) }
        let int8 = Onnx.tensor("i8", dims: [2], type: 3) { $0.bytes(9, [0xFF, 0x7F]) }
        let int16 = Onnx.tensor("i16", dims: [1], type: 5) { $0.packedVarints(5, [-300]) }
        let bools = Onnx.tensor("b", dims: [3], type: Onnx.bool) { $0.bytes(9, [1, 0, 1]) }
        let float16 = Onnx.tensor("h", dims: [1], type: 10) { $0.bytes(9, [0, 0x3C]) }
        let graph = Onnx.graph(nodes: [], initializers: [uint8, int8, int16, bools], inputs: [], outputs: [])
        let initializers = try OnnxModel.decode(Onnx.model(graph)).graph.initializers
        guard case .int32(let u)? = initializers["u8"]?.data, case .int32(let i)? = initializers["i8"]?.data,
              case .int32(let h)? = initializers["i16"]?.data, case .bool(let b)? = initializers["b"]?.data else {
            Issue.record("types \(initializers.mapValues(\.elementType))")
            return
        }
        #expect(u == [0, 200, 255])
        #expect(i == [-1, 127])
        #expect(h == [-300])
        #expect(b == [true, false, true])
        let withHalf = Onnx.graph(nodes: [], initializers: [float16], inputs: [], outputs: [])
        do {
            _ = try OnnxModel.decode(Onnx.model(withHalf))
            Issue.record("float16 should be rejected")
        } catch {
            guard case .malformed(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.hasPrefix("tensor 'h' has unsupported data type float16 at byte "))
        }
    }
}
