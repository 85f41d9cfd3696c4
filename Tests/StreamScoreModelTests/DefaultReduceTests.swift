import Foundation
import Testing
@testable import StreamScoreModel

@Suite("Default ops: Reduce*")
struct DefaultReduceTests {
    typealias H = DefaultOpsHarness

    /// [2,3,2] holding 1...12: x[i][j][k] = 1 + 6i + 2j + k.
    let x = DefaultOpsHarness.f([2, 3, 2], (1...12).map(Float.init))

    @Test("ReduceSum with axes as attribute (opset 11) and input (opset 13), keepdims on and off")
    func reduceSumForms() throws {
        let attribute = try H.run1("ReduceSum", version: 11, [x], attributes: ["axes": .ints([1])])
        #expect(attribute.shape == [2, 1, 2])
        #expect(H.floats(attribute) == [9, 12, 27, 30])
        let input = try H.run1("ReduceSum", version: 13, [x, H.ints([1])], attributes: ["keepdims": .int(0)])
        #expect(input.shape == [2, 2])
        #expect(H.floats(input) == [9, 12, 27, 30])
        let last = try H.run1("ReduceSum", version: 13, [x, H.ints([-1])])
        #expect(last.shape == [2, 3, 1])
        #expect(H.floats(last) == [3, 7, 11, 15, 19, 23])
    }

    @Test("ReduceSum over non-adjacent axes [0, 2]")
    func nonContiguousAxes() throws {
        let kept = try H.run1("ReduceSum", version: 13, [x, H.ints([0, 2])])
        #expect(kept.shape == [1, 3, 1])
        #expect(H.floats(kept) == [18, 26, 34])
        let dropped = try H.run1("ReduceSum", version: 12, [x], attributes: ["axes": .ints([2, 0]), "keepdims": .int(0)])
        #expect(dropped.shape == [3])
        #expect(H.floats(dropped) == [18, 26, 34])
    }

    @Test("no axes reduces everything; noop_with_empty_axes returns the input")
    func emptyAxes() throws {
        let all = try H.run1("ReduceSum", version: 13, [x])
        #expect(all.shape == [1, 1, 1])
        #expect(H.floats(all) == [78])
        let allDropped = try H.run1("ReduceSum", version: 11, [x], attributes: ["keepdims": .int(0)])
        #expect(allDropped.shape == [])
        #expect(H.floats(allDropped) == [78])
        let emptyInput = try H.run1("ReduceSum", version: 13, [x, H.ints([])], attributes: ["keepdims": .int(0)])
        #expect(H.floats(emptyInput) == [78])
        let noop = try H.run1("ReduceSum", version: 13, [x, nil], attributes: ["noop_with_empty_axes": .int(1)])
        #expect(noop.shape == [2, 3, 2])
        #expect(H.floats(noop) == (1...12).map(Float.init))
        let noopMax = try H.run1("ReduceMax", version: 18, [x, H.ints([])], attributes: ["noop_with_empty_axes": .int(1)])
        #expect(noopMax.shape == [2, 3, 2])
    }

    @Test("ReduceMean, ReduceMax, ReduceMin, ReduceSumSquare: attribute axes before 18, input from 18")
    func otherReductions() throws {
        for (version, extra, attributes) in [(17, nil as Tensor?, ["axes": Attribute.ints([1])]), (18, H.ints([1]), [:])] {
            let mean = try H.run1("ReduceMean", version: version, [x, extra].compactMap { $0 }, attributes: attributes)
            #expect(mean.shape == [2, 1, 2])
            #expect(H.floats(mean) == [3, 4, 9, 10])
        }
        let max = try H.run1("ReduceMax", version: 13, [x], attributes: ["axes": .ints([2]), "keepdims": .int(0)])
        #expect(max.shape == [2, 3])
        #expect(H.floats(max) == [2, 4, 6, 8, 10, 12])
        let min = try H.run1("ReduceMin", version: 18, [x, H.ints([0])], attributes: ["keepdims": .int(0)])
        #expect(min.shape == [3, 2])
        #expect(H.floats(min) == [1, 2, 3, 4, 5, 6])
        let squares = try H.run1("ReduceSumSquare", version: 18, [x, H.ints([0])])
        #expect(squares.shape == [1, 3, 2])
        #expect(H.floats(squares) == [50, 68, 90, 116, 146, 180])
        let squaresAttr = try H.run1("ReduceSumSquare", version: 13, [x], attributes: ["axes": .ints([0]), "keepdims": .int(0)])
        #expect(squaresAttr.shape == [3, 2])
        #expect(H.floats(squaresAttr) == [50, 68, 90, 116, 146, 180])
    }

    @Test("ReduceLogSumExp is stable for large inputs")
    func logSumExp() throws {
        let input = H.f([2, 2], [0, logf(3), 1000, 1000])
        let y = try H.run1("ReduceLogSumExp", version: 18, [input, H.ints([1])], attributes: ["keepdims": .int(0)])
        #expect(y.shape == [2])
        #expect(H.close(H.floats(y), [logf(4), 1000 + logf(2)]))
        let z = try H.run1("ReduceLogSumExp", version: 13, [input], attributes: ["axes": .ints([0])])
        #expect(z.shape == [1, 2])
        #expect(H.close(H.floats(z), [1000, 1000]))
    }

    @Test("integer reductions: ReduceMean divides like C")
    func integerReductions() throws {
        let input = H.i([2, 2], [1, 2, 3, 4])
        #expect(H.int64s(try H.run1("ReduceSum", version: 13, [input, H.ints([1])])) == [3, 7])
        #expect(H.int64s(try H.run1("ReduceMean", version: 18, [input, H.ints([1])])) == [1, 3])
        #expect(H.int64s(try H.run1("ReduceMax", version: 18, [input, H.ints([0])])) == [3, 4])
    }

    @Test("invalid axes are errors")
    func invalidAxes() throws {
        #expect(throws: ModelError.self) { try H.run1("ReduceSum", version: 13, [x, H.ints([3])]) }
        #expect(throws: ModelError.self) { try H.run1("ReduceSum", version: 13, [x, H.ints([1, -2])]) }
    }
}

