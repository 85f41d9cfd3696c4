import Testing
@testable import StreamScoreModel

@Suite("Default ops: cast, shape and indexing operators")
struct DefaultTensorOpsTests {
    typealias H = DefaultOpsHarness

    // MARK: Cast

    @Test("Cast float to int64 truncates toward zero")
    func castFloatToInt() throws {
        let y = try H.run1("Cast", version: 13, [H.f([5], [1.9, -1.9, 2.5, -0.5, 1e3])], attributes: ["to": .int(7)])
        #expect(H.int64s(y) == [1, -1, 2, 0, 1000])
        let i32 = try H.run1("Cast", version: 13, [Tensor(shape: [2], float64: [-7.99, 3.01])], attributes: ["to": .int(6)])
        #expect(H.int32s(i32) == [-7, 3])
        let narrowed = try H.run1("Cast", version: 13, [H.i([2], [4_294_967_301, -1])], attributes: ["to": .int(6)])
        #expect(H.int32s(narrowed) == [5, -1])
    }

    @Test("Cast float to string uses %.8g with NaN and INF spellings")
    func castFloatToString() throws {
        let y = try H.run1("Cast", version: 13, [H.f([8], [0.1, 1e10, -2.5, .nan, .infinity, -.infinity, 1.0 / 3, 123456789])],
                           attributes: ["to": .int(8)])
        #expect(H.strings(y) == ["0.1", "1e+10", "-2.5", "NaN", "INF", "-INF", "0.33333334", "1.2345679e+08"])
        let ints = try H.run1("Cast", version: 13, [H.i([2], [Int64.min, 42])], attributes: ["to": .int(8)])
        #expect(H.strings(ints) == ["-9223372036854775808", "42"])
    }

    @Test("Cast string to float and integers parses like strtod/strtoll")
    func castStringToNumber() throws {
        let text = Tensor(shape: [5], string: [" 3.5", "1e-2", "-7", "2.5xyz", "inf"])
        let f = try H.run1("Cast", version: 13, [text], attributes: ["to": .int(1)])
        #expect(H.floats(f) == [3.5, 0.01, -7, 2.5, .infinity])
        let d = try H.run1("Cast", version: 13, [text], attributes: ["to": .int(11)])
        #expect(H.doubles(d) == [3.5, 0.01, -7, 2.5, .infinity])
        let i = try H.run1("Cast", version: 13, [Tensor(shape: [3], string: ["42", " -7", "1.9"])], attributes: ["to": .int(7)])
        #expect(H.int64s(i) == [42, -7, 1])
        #expect(throws: ModelError.self) {
            try H.run1("Cast", version: 13, [Tensor(shape: [1], string: ["abc"])], attributes: ["to": .int(1)])
        }
    }

    @Test("Cast to and from bool; Cast-1 names the type; unsupported targets fail at load")
    func castBoolAndVersions() throws {
        let b = try H.run1("Cast", version: 13, [H.f([3], [0, 0.5, .nan])], attributes: ["to": .int(9)])
        #expect(H.bools(b) == [false, true, true])
        let f = try H.run1("Cast", version: 13, [Tensor(shape: [2], bool: [true, false])], attributes: ["to": .int(1)])
        #expect(H.floats(f) == [1, 0])
        let named = try H.run1("Cast", version: 1, [H.f([1], [2.7])], attributes: ["to": .string("INT64")])
        #expect(H.int64s(named) == [2])
        #expect(throws: ModelError.self) { try H.kernel("Cast", version: 13, attributes: ["to": .int(10)]) }
        let like = try H.run1("CastLike", version: 15, [H.f([2], [1.5, -2]), Tensor(shape: [0], float64: [])])
        #expect(H.doubles(like) == [1.5, -2])
    }

    // MARK: Where

    @Test("Where broadcasts condition, X and Y")
    func whereBroadcast() throws {
        let y = try H.run1("Where", version: 16, [Tensor(shape: [2, 1], bool: [true, false]), H.f([1, 3], [1, 2, 3]), H.f([], [0])])
        #expect(y.shape == [2, 3])
        #expect(H.floats(y) == [1, 2, 3, 0, 0, 0])
        let s = try H.run1("Where", version: 9, [Tensor(shape: [3], bool: [true, false, true]),
                                                 Tensor(shape: [3], string: ["a", "b", "c"]), Tensor(shape: [1], string: ["z"])])
        #expect(H.strings(s) == ["a", "z", "c"])
        let same = try H.run1("Where", version: 16, [Tensor(shape: [2], bool: [false, true]), H.i([2], [1, 2]), H.i([2], [3, 4])])
        #expect(H.int64s(same) == [3, 2])
    }

    // MARK: Shapes

    @Test("Squeeze: axes attribute before 13, input from 13, all 1s when absent")
    func squeeze() throws {
        let x = H.f([1, 3, 1], [1, 2, 3])
        #expect(try H.run1("Squeeze", version: 11, [x], attributes: ["axes": .ints([0, 2])]).shape == [3])
        #expect(try H.run1("Squeeze", version: 13, [x, H.ints([-1])]).shape == [1, 3])
        #expect(try H.run1("Squeeze", version: 13, [x]).shape == [3])
        #expect(try H.run1("Squeeze", version: 1, [x]).shape == [3])
        #expect(throws: ModelError.self) { try H.run1("Squeeze", version: 13, [x, H.ints([1])]) }
    }

    @Test("Unsqueeze: axes attribute before 13, input from 13, positions in the output")
    func unsqueeze() throws {
        let x = H.f([2, 3], [1, 2, 3, 4, 5, 6])
        #expect(try H.run1("Unsqueeze", version: 11, [x], attributes: ["axes": .ints([0, 3])]).shape == [1, 2, 3, 1])
        #expect(try H.run1("Unsqueeze", version: 13, [x, H.ints([-1])]).shape == [2, 3, 1])
        let middle = try H.run1("Unsqueeze", version: 21, [x, H.ints([1])])
        #expect(middle.shape == [2, 1, 3])
        #expect(H.floats(middle) == [1, 2, 3, 4, 5, 6])
        #expect(throws: ModelError.self) { try H.kernel("Unsqueeze", version: 11) }
    }

    @Test("Reshape with 0 (copy), -1 (infer) and allowzero")
    func reshape() throws {
        let x = H.f([2, 3, 4], (0..<24).map(Float.init))
        #expect(try H.run1("Reshape", version: 13, [x, H.ints([0, -1])]).shape == [2, 12])
        #expect(try H.run1("Reshape", version: 14, [x, H.ints([-1, 4])]).shape == [6, 4])
        #expect(try H.run1("Reshape", version: 5, [x, H.ints([4, 0, 2])]).shape == [4, 3, 2])
        #expect(try H.run1("Reshape", version: 1, [x], attributes: ["shape": .ints([24])]).shape == [24])
        let empty = H.f([0, 4], [])
        #expect(try H.run1("Reshape", version: 14, [empty, H.ints([4, 0])], attributes: ["allowzero": .int(1)]).shape == [4, 0])
        #expect(throws: ModelError.self) { try H.run1("Reshape", version: 14, [empty, H.ints([4, 0])]) }
        #expect(throws: ModelError.self) { try H.run1("Reshape", version: 13, [x, H.ints([-1, -1])]) }
        #expect(throws: ModelError.self) { try H.run1("Reshape", version: 13, [x, H.ints([5, -1])]) }
    }

    @Test("Flatten, Shape, Identity")
    func flattenShapeIdentity() throws {
        let x = H.f([2, 3, 4], (0..<24).map(Float.init))
        #expect(try H.run1("Flatten", version: 13, [x], attributes: ["axis": .int(2)]).shape == [6, 4])
        #expect(try H.run1("Flatten", version: 1, [x], attributes: ["axis": .int(0)]).shape == [1, 24])
        #expect(try H.run1("Flatten", version: 11, [x], attributes: ["axis": .int(-1)]).shape == [6, 4])
        #expect(try H.run1("Flatten", version: 9, [x]).shape == [2, 12])
        #expect(H.int64s(try H.run1("Shape", version: 13, [x])) == [2, 3, 4])
        #expect(H.int64s(try H.run1("Shape", version: 15, [x], attributes: ["start": .int(-2)])) == [3, 4])
        #expect(H.int64s(try H.run1("Shape", version: 15, [x], attributes: ["start": .int(1), "end": .int(-1)])) == [3])
        #expect(H.int64s(try H.run1("Shape", version: 19, [x], attributes: ["end": .int(10)])) == [2, 3, 4])
        let same = try H.run1("Identity", version: 16, [Tensor(shape: [2], string: ["p", "q"])])
        #expect(H.strings(same) == ["p", "q"])
    }

    @Test("Constant and ConstantOfShape")
    func constants() throws {
        let floats = try H.run1("Constant", version: 13, [], attributes: ["value_floats": .floats([1, 2])])
        #expect(floats.shape == [2])
        #expect(H.floats(floats) == [1, 2])
        let int = try H.run1("Constant", version: 13, [], attributes: ["value_int": .int(7)])
        #expect(int.shape == [])
        #expect(H.int64s(int) == [7])
        let strings = try H.run1("Constant", version: 12, [], attributes: ["value_strings": .strings(["a", "b"])])
        #expect(H.strings(strings) == ["a", "b"])
        let tensor = try H.run1("Constant", version: 1, [], attributes: ["value": .tensor(H.i([1, 2], [3, 4]))])
        #expect(tensor.shape == [1, 2])
        #expect(throws: ModelError.self) { try H.kernel("Constant", version: 13, inputCount: 0) }
        #expect(throws: ModelError.self) {
            try H.kernel("Constant", version: 13, inputCount: 0, attributes: ["value_int": .int(1), "value_float": .float(1)])
        }
        let zeros = try H.run1("ConstantOfShape", version: 9, [H.ints([2, 3])])
        #expect(zeros.shape == [2, 3])
        #expect(H.floats(zeros) == [Float](repeating: 0, count: 6))
        let sevens = try H.run1("ConstantOfShape", version: 20, [H.ints([2])], attributes: ["value": .tensor(H.i([1], [7]))])
        #expect(H.int64s(sevens) == [7, 7])
    }

    // MARK: Indexing

    @Test("Gather with negative indices along axes 0 and 1")
    func gather() throws {
        let x = H.f([3, 2], [1, 2, 3, 4, 5, 6])
        let rows = try H.run1("Gather", version: 13, [x, H.i([2], [-1, 0])])
        #expect(rows.shape == [2, 2])
        #expect(H.floats(rows) == [5, 6, 1, 2])
        let columns = try H.run1("Gather", version: 11, [x, H.i([2, 1], [1, -2])], attributes: ["axis": .int(1)])
        #expect(columns.shape == [3, 2, 1])
        #expect(H.floats(columns) == [2, 1, 4, 3, 6, 5])
        let labels = try H.run1("Gather", version: 13, [Tensor(shape: [3], string: ["a", "b", "c"]), Tensor(shape: [2], int32: [2, -3])])
        #expect(H.strings(labels) == ["c", "a"])
        #expect(throws: ModelError.self) { try H.run1("Gather", version: 13, [x, H.i([1], [3])]) }
        let scalarIndex = try H.run1("Gather", version: 13, [x, H.i([], [1])])
        #expect(scalarIndex.shape == [2])
        #expect(H.floats(scalarIndex) == [3, 4])
    }

    @Test("Clip: attributes before 11, optional inputs from 11")
    func clip() throws {
        let x = H.f([4], [-1, 0.5, 2, .nan])
        let attributes = try H.run1("Clip", version: 6, [x], attributes: ["min": .float(0), "max": .float(1)])
        #expect(H.close(H.floats(attributes), [0, 0.5, 1, .nan]))
        let unbounded = try H.run1("Clip", version: 6, [x])
        #expect(H.close(H.floats(unbounded), [-1, 0.5, 2, .nan]))
        let integers = try H.run1("Clip", version: 6, [H.i([3], [-9, 2, 9])], attributes: ["max": .float(5)])
        #expect(H.int64s(integers) == [-9, 2, 5])
        let onlyMin = try H.run1("Clip", version: 11, [x, H.f([], [0]), nil])
        #expect(H.close(H.floats(onlyMin), [0, 0.5, 2, .nan]))
        let onlyMax = try H.run1("Clip", version: 13, [H.i([3], [-5, 3, 9]), nil, H.i([], [4])])
        #expect(H.int64s(onlyMax) == [-5, 3, 4])
        let crossed = try H.run1("Clip", version: 13, [H.f([2], [-3, 3]), H.f([], [2]), H.f([], [1])])
        #expect(H.floats(crossed) == [1, 1])
    }

    @Test("Concat with a negative axis, opset-1 default axis, strings")
    func concat() throws {
        let y = try H.run1("Concat", version: 13, [H.f([2, 1], [1, 2]), H.f([2, 2], [3, 4, 5, 6])], attributes: ["axis": .int(-1)])
        #expect(y.shape == [2, 3])
        #expect(H.floats(y) == [1, 3, 4, 2, 5, 6])
        let legacy = try H.run1("Concat", version: 1, [H.f([1, 2], [1, 2]), H.f([1, 1], [3])])
        #expect(H.floats(legacy) == [1, 2, 3])
        let strings = try H.run1("Concat", version: 11, [Tensor(shape: [1], string: ["a"]), Tensor(shape: [2], string: ["b", "c"])],
                                 attributes: ["axis": .int(0)])
        #expect(H.strings(strings) == ["a", "b", "c"])
        let withEmpty = try H.run1("Concat", version: 13, [H.f([2, 0], []), H.f([2, 1], [7, 8])], attributes: ["axis": .int(1)])
        #expect(H.floats(withEmpty) == [7, 8])
        #expect(throws: ModelError.self) {
            try H.run1("Concat", version: 13, [H.f([2, 1], [1, 2]), H.f([3, 1], [1, 2, 3])], attributes: ["axis": .int(1)])
        }
        #expect(throws: ModelError.self) { try H.kernel("Concat", version: 13, inputCount: 2) }
    }

    @Test("Split by input, attribute, num_outputs and equally")
    func split() throws {
        let x = H.f([2, 3], [1, 2, 3, 4, 5, 6])
        let byInput = try H.run("Split", version: 13, [x, H.ints([1, 2])], attributes: ["axis": .int(1)], outputCount: 2)
        #expect(byInput[0].shape == [2, 1] && H.floats(byInput[0]) == [1, 4])
        #expect(byInput[1].shape == [2, 2] && H.floats(byInput[1]) == [2, 3, 5, 6])
        let byAttribute = try H.run("Split", version: 11, [x], attributes: ["axis": .int(-1), "split": .ints([2, 1])], outputCount: 2)
        #expect(H.floats(byAttribute[0]) == [1, 2, 4, 5] && H.floats(byAttribute[1]) == [3, 6])
        let equal = try H.run("Split", version: 2, [x], outputCount: 2)
        #expect(H.floats(equal[0]) == [1, 2, 3] && H.floats(equal[1]) == [4, 5, 6])
        let chunks = try H.run("Split", version: 18, [H.f([5], [1, 2, 3, 4, 5])], attributes: ["num_outputs": .int(2)], outputCount: 2)
        #expect(H.floats(chunks[0]) == [1, 2, 3] && H.floats(chunks[1]) == [4, 5])
        #expect(throws: ModelError.self) { try H.run("Split", version: 13, [H.f([5], [1, 2, 3, 4, 5])], outputCount: 2) }
    }

    @Test("Slice with negative starts, huge ends, negative steps and attributes (opset 1)")
    func slice() throws {
        let x = H.f([10], (0..<10).map(Float.init))
        #expect(H.floats(try H.run1("Slice", version: 13, [x, H.ints([-3]), H.ints([Int64.max])])) == [7, 8, 9])
        #expect(H.floats(try H.run1("Slice", version: 10, [x, H.ints([8]), H.ints([1]), H.ints([0]), H.ints([-2])])) == [8, 6, 4, 2])
        #expect(H.floats(try H.run1("Slice", version: 13, [x, H.ints([-1]), H.ints([Int64.min]), nil, H.ints([-1])]))
                == (0..<10).reversed().map(Float.init))
        let m = H.f([3, 4], (0..<12).map(Float.init))
        let block = try H.run1("Slice", version: 13, [m, H.ints([0, 1]), H.ints([2, 3]), H.ints([0, 1])])
        #expect(block.shape == [2, 2])
        #expect(H.floats(block) == [1, 2, 5, 6])
        let legacy = try H.run1("Slice", version: 1, [m], attributes: ["starts": .ints([1]), "ends": .ints([100]), "axes": .ints([1])])
        #expect(legacy.shape == [3, 3])
        #expect(H.floats(legacy) == [1, 2, 3, 5, 6, 7, 9, 10, 11])
        let empty = try H.run1("Slice", version: 13, [x, H.ints([5]), H.ints([2])])
        #expect(empty.shape == [0])
    }

    @Test("Expand and Transpose")
    func expandTranspose() throws {
        let expanded = try H.run1("Expand", version: 13, [H.f([3, 1], [1, 2, 3]), H.ints([2, 1, 4])])
        #expect(expanded.shape == [2, 3, 4])
        let oneBlock: [Float] = [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]
        #expect(H.floats(expanded) == oneBlock + oneBlock)
        let t = try H.run1("Transpose", version: 13, [H.f([2, 3], [1, 2, 3, 4, 5, 6])])
        #expect(t.shape == [3, 2])
        #expect(H.floats(t) == [1, 4, 2, 5, 3, 6])
        let cube = H.i([2, 3, 4], (0..<24).map(Int64.init))
        let p = try H.run1("Transpose", version: 21, [cube], attributes: ["perm": .ints([1, 2, 0])])
        #expect(p.shape == [3, 4, 2])
        // p[j][k][i] = cube[i][j][k] = 12i + 4j + k; p[2][1][1] = 12 + 8 + 1.
        #expect(H.int64s(p)[2 * 8 + 1 * 2 + 1] == 21)
        #expect(H.int64s(p).prefix(4) == [0, 12, 1, 13])
    }

    // MARK: Unary

    @Test("unary elementwise functions")
    func unary() throws {
        let x = H.f([4], [-2.5, -0.5, 0.5, 2.5])
        #expect(H.floats(try H.run1("Neg", version: 13, [x])) == [2.5, 0.5, -0.5, -2.5])
        #expect(H.floats(try H.run1("Abs", version: 13, [x])) == [2.5, 0.5, 0.5, 2.5])
        #expect(H.floats(try H.run1("Relu", version: 14, [x])) == [0, 0, 0.5, 2.5])
        #expect(H.floats(try H.run1("LeakyRelu", version: 16, [x], attributes: ["alpha": .float(0.1)])) == [-0.25, -0.05, 0.5, 2.5])
        #expect(H.floats(try H.run1("Floor", version: 13, [x])) == [-3, -1, 0, 2])
        #expect(H.floats(try H.run1("Ceil", version: 13, [x])) == [-2, -0.0, 1, 3])
        #expect(H.floats(try H.run1("Round", version: 11, [x])) == [-2, -0.0, 0, 2])
        #expect(H.floats(try H.run1("Sign", version: 13, [H.f([3], [-3, 0, 4])])) == [-1, 0, 1])
        #expect(H.int64s(try H.run1("Sign", version: 13, [H.i([3], [-3, 0, 4])])) == [-1, 0, 1])
        #expect(H.int64s(try H.run1("Abs", version: 13, [H.i([2], [-3, 4])])) == [3, 4])
        #expect(H.floats(try H.run1("Reciprocal", version: 13, [H.f([2], [4, -0.5])])) == [0.25, -2])
        #expect(H.floats(try H.run1("Sqrt", version: 13, [H.f([2], [4, 2.25])])) == [2, 1.5])
        #expect(H.close(H.floats(try H.run1("Exp", version: 13, [H.f([2], [0, 1])])), [1, 2.7182817]))
        #expect(H.close(H.floats(try H.run1("Log", version: 13, [H.f([2], [1, 2.7182817])])), [0, 1]))
        #expect(H.close(H.floats(try H.run1("Sigmoid", version: 13, [H.f([3], [0, 2, -2])])), [0.5, 0.880797, 0.119203]))
        #expect(H.close(H.floats(try H.run1("Tanh", version: 13, [H.f([2], [0, 1])])), [0, 0.7615942]))
        #expect(H.close(H.floats(try H.run1("Erf", version: 13, [H.f([3], [0, 1, -0.5])])), [0, 0.8427008, -0.5204999]))
        #expect(H.bools(try H.run1("IsNaN", version: 13, [H.f([2], [.nan, 1])])) == [true, false])
        #expect(H.close(H.doubles(try H.run1("Sigmoid", version: 13, [Tensor(shape: [1], float64: [0])])), [0.5]))
        #expect(throws: ModelError.self) { try H.run1("Sqrt", version: 13, [H.i([1], [4])]) }
    }

    @Test("operators outside the registered version ranges are unsupported")
    func versionRanges() throws {
        #expect(throws: ModelError.self) { try H.kernel("Where", version: 8) }
        #expect(throws: ModelError.self) { try H.kernel("Add", version: 22) }
        #expect(throws: ModelError.self) { try H.kernel("Scan", version: 16) }
    }
}
