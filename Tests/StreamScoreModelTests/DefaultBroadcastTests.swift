import Testing
@testable import StreamScoreModel

@Suite("Default ops: broadcasting elementwise operators")
struct DefaultBroadcastTests {
    typealias H = DefaultOpsHarness

    @Test("[2,3] + [3] adds the row to every row")
    func rowVector() throws {
        let y = try H.run1("Add", version: 14, [H.f([2, 3], [1, 2, 3, 4, 5, 6]), H.f([3], [10, 20, 30])])
        #expect(y.shape == [2, 3])
        #expect(H.floats(y) == [11, 22, 33, 14, 25, 36])
    }

    @Test("[3] - [2,3] broadcasts the left operand")
    func leftRowVector() throws {
        let y = try H.run1("Sub", version: 14, [H.f([3], [10, 20, 30]), H.f([2, 3], [1, 2, 3, 4, 5, 6])])
        #expect(y.shape == [2, 3])
        #expect(H.floats(y) == [9, 18, 27, 6, 15, 24])
    }

    @Test("[2,1] * [1,3] forms an outer product")
    func outerProduct() throws {
        let y = try H.run1("Mul", version: 14, [H.f([2, 1], [2, 3]), H.f([1, 3], [1, 10, 100])])
        #expect(y.shape == [2, 3])
        #expect(H.floats(y) == [2, 20, 200, 3, 30, 300])
    }

    @Test("scalar operands on either side")
    func scalars() throws {
        let right = try H.run1("Div", version: 14, [H.f([2, 2], [2, 4, 6, 8]), H.f([], [2])])
        #expect(right.shape == [2, 2])
        #expect(H.floats(right) == [1, 2, 3, 4])
        let left = try H.run1("Sub", version: 14, [H.f([1], [10]), H.f([3], [1, 2, 3])])
        #expect(left.shape == [3])
        #expect(H.floats(left) == [9, 8, 7])
    }

    @Test("[2,1,3] + [4,1]: general broadcast to [2,4,3]")
    func generalBroadcast() throws {
        let a = H.f([2, 1, 3], [0, 1, 2, 3, 4, 5])
        let b = H.f([4, 1], [0, 10, 20, 30])
        let y = try H.run1("Add", version: 13, [a, b])
        #expect(y.shape == [2, 4, 3])
        var expected: [Float] = []
        for i in 0..<2 { for j in 0..<4 { for k in 0..<3 { expected.append(Float(i * 3 + k) + Float(j * 10)) } } }
        #expect(H.floats(y) == expected)
    }

    @Test("[3,1] against [3,4] (column broadcast)")
    func columnBroadcast() throws {
        let y = try H.run1("Div", version: 13, [H.f([3, 4], [2, 4, 6, 8, 3, 6, 9, 12, 1, 2, 3, 4]), H.f([3, 1], [2, 3, 1])])
        #expect(H.floats(y) == [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4])
    }

    @Test("incompatible shapes are a runtime error")
    func incompatible() throws {
        #expect(throws: ModelError.self) {
            try H.run1("Add", version: 14, [H.f([2, 3], [1, 2, 3, 4, 5, 6]), H.f([2], [1, 2])])
        }
        #expect(throws: ModelError.self) {
            try H.run1("Add", version: 14, [H.f([2], [1, 2]), H.i([2], [1, 2])])
        }
    }

    @Test("legacy broadcast (opset 6) aligns B at axis")
    func legacyBroadcast() throws {
        // A [2,3,2], B [3] with axis=1: B varies along the middle axis.
        let a = H.f([2, 3, 2], [Float](repeating: 1, count: 12))
        let y = try H.run1("Add", version: 6, [a, H.f([3], [10, 20, 30])],
                           attributes: ["broadcast": .int(1), "axis": .int(1)])
        #expect(H.floats(y) == [11, 11, 21, 21, 31, 31, 11, 11, 21, 21, 31, 31])
        // Default axis aligns B with A's trailing dimensions.
        let z = try H.run1("Mul", version: 6, [H.f([2, 2], [1, 2, 3, 4]), H.f([2], [10, 100])],
                           attributes: ["broadcast": .int(1)])
        #expect(H.floats(z) == [10, 200, 30, 400])
    }

    @Test("integer division truncates toward zero")
    func integerDivision() throws {
        let y = try H.run1("Div", version: 14, [H.i([4], [7, -7, 7, -7]), H.i([4], [2, 2, -2, -2])])
        #expect(H.int64s(y) == [3, -3, -3, 3])
        let z = try H.run1("Div", version: 14, [Tensor(shape: [2], int32: [9, -9]), Tensor(shape: [], int32: [4])])
        #expect(H.int32s(z) == [2, -2])
    }

    @Test("integer add wraps and multiplies exactly")
    func integerArithmetic() throws {
        let y = try H.run1("Add", version: 14, [H.i([2], [Int64.max, 5]), H.i([2], [1, -7])])
        #expect(H.int64s(y) == [Int64.min, -2])
        let z = try H.run1("Mul", version: 14, [H.i([2], [3_000_000_000, -4]), H.i([], [3])])
        #expect(H.int64s(z) == [9_000_000_000, -12])
    }

    @Test("Pow: float/float, float/int exponent and int base")
    func power() throws {
        let y = try H.run1("Pow", version: 15, [H.f([3], [2, 3, 4]), H.f([3], [3, 2, 0.5])])
        #expect(H.close(H.floats(y), [8, 9, 2]))
        let squared = try H.run1("Pow", version: 15, [H.f([3], [-2, 3, 0.5]), H.f([], [2])])
        #expect(H.floats(squared) == [4, 9, 0.25])
        let mixed = try H.run1("Pow", version: 15, [H.f([2], [2, 10]), H.i([1], [3])])
        #expect(mixed.elementType == .float32)
        #expect(H.close(H.floats(mixed), [8, 1000]))
        let integral = try H.run1("Pow", version: 15, [H.i([3], [2, -3, 5]), H.i([3], [10, 3, 0])])
        #expect(H.int64s(integral) == [1024, -27, 1])
    }

    @Test("Mod: Python-style for fmod=0, C-style for fmod=1")
    func modulo() throws {
        let a = H.i([4], [7, -7, 7, -7]), b = H.i([4], [3, 3, -3, -3])
        #expect(H.int64s(try H.run1("Mod", version: 13, [a, b])) == [1, 2, -2, -1])
        #expect(H.int64s(try H.run1("Mod", version: 13, [a, b], attributes: ["fmod": .int(1)])) == [1, -1, 1, -1])
        let f = try H.run1("Mod", version: 13, [H.f([2], [7.5, -7.5]), H.f([1], [2])], attributes: ["fmod": .int(1)])
        #expect(H.floats(f) == [1.5, -1.5])
        #expect(throws: ModelError.self) { try H.run1("Mod", version: 13, [H.f([1], [1]), H.f([1], [2])]) }
    }

    @Test("comparisons produce bools with broadcasting")
    func comparisons() throws {
        let a = H.f([2, 2], [1, 2, 3, 4]), b = H.f([2], [2, 3])
        #expect(H.bools(try H.run1("Equal", version: 13, [a, b])) == [false, false, false, false])
        #expect(H.bools(try H.run1("Greater", version: 13, [a, b])) == [false, false, true, true])
        #expect(H.bools(try H.run1("Less", version: 13, [a, b])) == [true, true, false, false])
        #expect(H.bools(try H.run1("GreaterOrEqual", version: 16, [a, b])) == [false, false, true, true])
        #expect(H.bools(try H.run1("LessOrEqual", version: 16, [a, H.f([], [3])])) == [true, true, true, false])
        let s = try H.run1("Equal", version: 19, [Tensor(shape: [3], string: ["a", "b", "c"]), Tensor(shape: [1], string: ["b"])])
        #expect(H.bools(s) == [false, true, false])
        let ints = try H.run1("Equal", version: 13, [H.i([3], [1, 2, 3]), H.i([3], [1, 0, 3])])
        #expect(H.bools(ints) == [true, false, true])
    }

    @Test("And, Or, Xor, Not")
    func logic() throws {
        let a = Tensor(shape: [2, 2], bool: [true, true, false, false])
        let b = Tensor(shape: [2], bool: [true, false])
        #expect(H.bools(try H.run1("And", version: 7, [a, b])) == [true, false, false, false])
        #expect(H.bools(try H.run1("Or", version: 7, [a, b])) == [true, true, true, false])
        #expect(H.bools(try H.run1("Xor", version: 7, [a, b])) == [false, true, true, false])
        #expect(H.bools(try H.run1("Not", version: 1, [b])) == [false, true])
        #expect(throws: ModelError.self) { try H.run1("And", version: 7, [H.f([1], [1]), H.f([1], [1])]) }
    }

    @Test("Max, Min, Sum, Mean are variadic and broadcast")
    func variadic() throws {
        let a = H.f([2, 2], [1, 5, 3, 7]), b = H.f([2], [4, 4]), c = H.f([], [2])
        #expect(H.floats(try H.run1("Max", version: 13, [a, b, c])) == [4, 5, 4, 7])
        #expect(H.floats(try H.run1("Min", version: 13, [a, b, c])) == [1, 2, 2, 2])
        #expect(H.floats(try H.run1("Sum", version: 13, [a, b, c])) == [7, 11, 9, 13])
        #expect(H.floats(try H.run1("Mean", version: 13, [a, b, c])) == [7.0 / 3, 11.0 / 3, 3, 13.0 / 3])
        #expect(H.floats(try H.run1("Sum", version: 13, [a])) == [1, 5, 3, 7])
        let nan = try H.run1("Max", version: 13, [H.f([2], [.nan, 1]), H.f([2], [0, .nan])])
        #expect(H.floats(nan).allSatisfy { $0.isNaN })
        #expect(H.int64s(try H.run1("Max", version: 13, [H.i([3], [1, 9, -4]), H.i([1], [2])])) == [2, 9, 2])
    }
}
