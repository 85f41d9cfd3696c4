import Testing
@testable import StreamScoreModel

@Suite("Store: feed files and output formatting")
struct StoreFeedFileTests {
    static let inputs = [
        ValueInfo(name: "x", type: .tensor(.float32, shape: [nil, 2])),
        ValueInfo(name: "d", type: .tensor(.float64, shape: nil)),
        ValueInfo(name: "n", type: .tensor(.int64, shape: nil)),
        ValueInfo(name: "s", type: .tensor(.string, shape: nil)),
        ValueInfo(name: "b", type: .tensor(.bool, shape: nil)),
    ]

    func parse(_ text: String) throws(ModelError) -> [String: Value] {
        try FeedFile.parse(data: Array(text.utf8), graphInputs: Self.inputs)
    }

    func tensor(_ value: Value?) -> Tensor? {
        guard case .tensor(let t)? = value else { return nil }
        return t
    }

    @Test func nestedArraysGiveTheShape() throws {
        let feeds = try parse(#"{"inputs": {"x": [[1, 2.5], [-3e2, 0.1]], "n": [[[1], [2]], [[3], [-4]]], "d": 7.25}}"#)
        let x = try #require(tensor(feeds["x"]))
        #expect(x.shape == [2, 2])
        guard case .float32(let xv) = x.data else { Issue.record("x type"); return }
        #expect(xv == [1, 2.5, -300, 0.1])
        let n = try #require(tensor(feeds["n"]))
        #expect(n.shape == [2, 2, 1])
        guard case .int64(let nv) = n.data else { Issue.record("n type"); return }
        #expect(nv == [1, 2, 3, -4])
        let d = try #require(tensor(feeds["d"]))
        #expect(d.shape == [])
        guard case .float64(let dv) = d.data else { Issue.record("d type"); return }
        #expect(dv == [7.25])
    }

    @Test func nullAndNonFiniteStringsInFloatTensors() throws {
        let feeds = try parse(#"{"inputs": {"x": [[null, "NaN"], ["Infinity", "-Infinity"]]}}"#)
        guard case .float32(let v)? = tensor(feeds["x"])?.data else { Issue.record("x"); return }
        #expect(v[0].isNaN && v[1].isNaN)
        #expect(v[2] == .infinity && v[3] == -.infinity)
    }

    @Test func stringsAndBooleans() throws {
        let feeds = try parse(#"{"inputs": {"s": [["red"], ["bl\u00fce \"x\""]], "b": [true, false, 1]}}"#)
        guard case .string(let s)? = tensor(feeds["s"])?.data else { Issue.record("s"); return }
        #expect(s == ["red", "blüe \"x\""])
        guard case .bool(let b)? = tensor(feeds["b"])?.data else { Issue.record("b"); return }
        #expect(b == [true, false, true])
    }

    @Test func raggedNestingIsRejected() {
        #expect(throws: ModelError.invalidInput("input 'x' is ragged at [1]: expected 2 elements, got 1")) {
            try parse(#"{"inputs": {"x": [[1, 2], [3]]}}"#)
        }
        #expect(throws: ModelError.invalidInput("input 'x' is ragged at [1]: expected an array of 2 elements, got a number")) {
            try parse(#"{"inputs": {"x": [[1, 2], 3]}}"#)
        }
        #expect(throws: ModelError.invalidInput("input 'x' is ragged at [1][0]: expected a scalar, got an array")) {
            try parse(#"{"inputs": {"x": [[1, 2], [[3], 4]]}}"#)
        }
    }

    @Test func wrongTypesAndNamesAreRejected() {
        #expect(throws: ModelError.invalidInput("unknown input 'y'; the model's inputs are 'x', 'd', 'n', 's', 'b'")) {
            try parse(#"{"inputs": {"y": [1]}}"#)
        }
        #expect(throws: ModelError.invalidInput("input 'x' element 1 is a string, expected a number or null")) {
            try parse(#"{"inputs": {"x": [[1, "one"]]}}"#)
        }
        #expect(throws: ModelError.invalidInput("input 'n' element 0 is 1.5, expected an integer")) {
            try parse(#"{"inputs": {"n": [1.5]}}"#)
        }
        #expect(throws: ModelError.invalidInput("input 's' element 0 is a number, expected a string")) {
            try parse(#"{"inputs": {"s": [3]}}"#)
        }
        #expect(throws: ModelError.invalidInput("the feed file must be an object with an \"inputs\" object")) {
            try parse(#"{"x": [1]}"#)
        }
        #expect(throws: ModelError.invalidInput("invalid JSON at byte 14: expected ',' or ']'")) {
            try parse(#"{"inputs": [1 2]}"#)
        }
    }

    @Test func floatsAreRoundedFromTheirText() throws {
        // 16777217 is not representable as Float; parsing via Double and converting would be
        // the same here, but 0.1 must be exactly Float(0.1), not Float(Double(0.1)) when they differ.
        let feeds = try parse(#"{"inputs": {"x": [[0.1, 16777217]]}}"#)
        guard case .float32(let v)? = tensor(feeds["x"])?.data else { Issue.record("x"); return }
        #expect(v == [Float("0.1")!, 16777216])
    }

    @Test func outputsAreWrittenInOrderWithShortestFloats() {
        let outputs: [String: Value] = [
            "label": .tensor(Tensor(shape: [2], int64: [1, 0])),
            "probabilities": .tensor(Tensor(shape: [2, 2], float32: [0.1, 0.9, 1e-7, .nan])),
            "scalar": .tensor(Tensor(shape: [], float64: [-.infinity])),
            "names": .tensor(Tensor(shape: [1, 1], string: ["a\"b\n"])),
        ]
        let text = OutputWriter.json(outputs: outputs, order: ["label", "probabilities", "scalar", "names", "absent"])
        #expect(text == #"{"outputs": {"label": [1, 0], "probabilities": [[0.1, 0.9], [1e-07, "NaN"]], "scalar": "-Infinity", "names": [["a\"b\n"]]}}"#)
    }

    @Test func mapSequencesBecomeObjectsWithStringKeys() {
        let maps = MapSequence(keys: .int64([0, 1]), values: [0.25, 0.75, 1, 0], rowCount: 2)
        #expect(OutputWriter.json(.mapSequence(maps)) == #"[{"0": 0.25, "1": 0.75}, {"0": 1.0, "1": 0.0}]"#)
        let named = MapSequence(keys: .string(["no", "yes"]), values: [0.5, 0.5], rowCount: 1)
        #expect(OutputWriter.json(.mapSequence(named)) == #"[{"no": 0.5, "yes": 0.5}]"#)
    }

    @Test func floatFormattingRoundTrips() {
        for value: Float in [0.1, 1.0 / 3.0, 123456.79, 1e-30, 3.4028235e38, -0.0] {
            #expect(Float(OutputWriter.number(value)) == value, "\(value)")
        }
        #expect(OutputWriter.number(Float(0.1)) == "0.1")
        #expect(OutputWriter.number(0.1 as Double) == "0.1")
    }

    @Test func writtenOutputsParseBackThroughTheFeedParser() throws {
        // The writer's nested arrays are valid feed-file bodies for the same shapes.
        let original = Tensor(shape: [2, 3], float32: [1.5, -2, 0.1, .nan, 4e10, 1e-7])
        let text = #"{"inputs": {"x": "# + OutputWriter.json(original) + "}}"
        let wide = [ValueInfo(name: "x", type: .tensor(.float32, shape: [nil, 3]))]
        let parsed = try FeedFile.parse(data: Array(text.utf8), graphInputs: wide)
        guard case .float32(let v)? = tensor(parsed["x"])?.data, case .float32(let o) = original.data else {
            Issue.record("x"); return
        }
        #expect(tensor(parsed["x"])?.shape == [2, 3])
        #expect(zip(v, o).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }
}
