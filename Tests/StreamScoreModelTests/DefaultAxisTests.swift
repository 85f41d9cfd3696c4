import Testing
@testable import StreamScoreModel

@Suite("Default ops: Softmax, ArgMax/ArgMin, TopK")
struct DefaultAxisTests {
    typealias H = DefaultOpsHarness

    let cube = DefaultOpsHarness.f([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])

    @Test("Softmax opset 13 normalises along the single axis")
    func softmaxAlongAxis() throws {
        let y = try H.run1("Softmax", version: 13, [cube], attributes: ["axis": .int(1)])
        // Pairs (1,3), (2,4), (5,7), (6,8) differ by 2.
        let low: Float = 0.11920292, high: Float = 0.88079708
        #expect(H.close(H.floats(y), [low, low, high, high, low, low, high, high]))
        let lastAxis = try H.run1("Softmax", version: 13, [cube])
        let a: Float = 0.26894142, b: Float = 0.73105858
        #expect(H.close(H.floats(lastAxis), [a, b, a, b, a, b, a, b]))
    }

    @Test("Softmax before opset 13 coerces to 2-D at axis (default 1)")
    func softmaxCoerced() throws {
        let row: [Float] = [0.0320586, 0.08714432, 0.23688282, 0.64391426]
        let explicit = try H.run1("Softmax", version: 11, [cube], attributes: ["axis": .int(1)])
        #expect(H.close(H.floats(explicit), row + row))
        let defaulted = try H.run1("Softmax", version: 1, [cube])
        #expect(H.close(H.floats(defaulted), row + row))
        let whole = try H.run1("Softmax", version: 11, [H.f([2, 2], [0, 0, 0, 0])], attributes: ["axis": .int(0)])
        #expect(H.floats(whole) == [0.25, 0.25, 0.25, 0.25])
    }

    @Test("LogSoftmax by version")
    func logSoftmax() throws {
        let along = try H.run1("LogSoftmax", version: 13, [cube], attributes: ["axis": .int(1)])
        let low: Float = -2.126928, high: Float = -0.126928
        #expect(H.close(H.floats(along), [low, low, high, high, low, low, high, high]))
        let coerced = try H.run1("LogSoftmax", version: 11, [cube], attributes: ["axis": .int(1)])
        let row: [Float] = [-3.4401897, -2.4401897, -1.4401897, -0.4401897]
        #expect(H.close(H.floats(coerced), row + row))
        let large = try H.run1("LogSoftmax", version: 13, [H.f([2], [1000, 1000])])
        #expect(H.close(H.floats(large), [-0.6931472, -0.6931472]))
    }

    @Test("ArgMax picks the first maximum, or the last with select_last_index")
    func argMax() throws {
        let x = H.f([2, 3], [1, 3, 3, 2, 2, 1])
        let first = try H.run1("ArgMax", version: 13, [x], attributes: ["axis": .int(1)])
        #expect(first.shape == [2, 1])
        #expect(H.int64s(first) == [1, 0])
        let last = try H.run1("ArgMax", version: 12, [x], attributes: ["axis": .int(-1), "select_last_index": .int(1)])
        #expect(H.int64s(last) == [2, 1])
        let flat = try H.run1("ArgMax", version: 11, [x], attributes: ["keepdims": .int(0)])
        #expect(flat.shape == [3])
        #expect(H.int64s(flat) == [1, 0, 0])
    }

    @Test("ArgMin with keepdims=0 and ties")
    func argMin() throws {
        let x = H.i([2, 3], [1, 3, 3, 2, 2, 1])
        let y = try H.run1("ArgMin", version: 13, [x], attributes: ["axis": .int(0), "keepdims": .int(0)])
        #expect(y.shape == [3])
        #expect(H.int64s(y) == [0, 1, 1])
        let ties = H.f([1, 4], [0, -1, 5, -1])
        #expect(H.int64s(try H.run1("ArgMin", version: 13, [ties], attributes: ["axis": .int(1)])) == [1])
        #expect(H.int64s(try H.run1("ArgMin", version: 13, [ties], attributes: ["axis": .int(1), "select_last_index": .int(1)])) == [3])
    }

    @Test("TopK: ties keep the lower index first")
    func topKTies() throws {
        let outputs = try H.run("TopK", version: 11, [H.f([1, 5], [1, 3, 3, 2, 3]), H.ints([2])], outputCount: 2)
        #expect(outputs[0].shape == [1, 2])
        #expect(H.floats(outputs[0]) == [3, 3])
        #expect(H.int64s(outputs[1]) == [1, 2])
        let smallest = try H.run("TopK", version: 11, [H.f([5], [4, 1, 1, 0, 1]), H.ints([3])],
                                 attributes: ["largest": .int(0)], outputCount: 2)
        #expect(H.floats(smallest[0]) == [0, 1, 1])
        #expect(H.int64s(smallest[1]) == [3, 1, 2])
    }

    @Test("TopK: k as attribute (opset 1) and along axis 0")
    func topKVersionsAndAxis() throws {
        let attribute = try H.run("TopK", version: 1, [H.f([4], [2, 9, 4, 9])], attributes: ["k": .int(3)], outputCount: 2)
        #expect(H.floats(attribute[0]) == [9, 9, 4])
        #expect(H.int64s(attribute[1]) == [1, 3, 2])
        let columns = try H.run("TopK", version: 10, [H.f([3, 2], [1, 6, 5, 2, 3, 4]), H.ints([2])],
                                attributes: ["axis": .int(0)], outputCount: 2)
        #expect(columns[0].shape == [2, 2])
        #expect(H.floats(columns[0]) == [5, 6, 3, 4])
        #expect(H.int64s(columns[1]) == [1, 0, 2, 2])
        #expect(throws: ModelError.self) { try H.run("TopK", version: 11, [H.f([2], [1, 2]), H.ints([3])], outputCount: 2) }
    }

    @Test("TopK with many ties, small k (insertion) and large k (sort)")
    func topKManyTies() throws {
        let x = H.i([40], (0..<40).map { Int64($0 % 4) })
        let threes = (0..<10).map { Int64(4 * $0 + 3) }, twos = (0..<10).map { Int64(4 * $0 + 2) }
        let ones = (0..<10).map { Int64(4 * $0 + 1) }, zeros = (0..<5).map { Int64(4 * $0) }
        let small = try H.run("TopK", version: 11, [x, H.ints([12])], outputCount: 2)
        let expectedSmall: [Int64] = threes + Array(twos.prefix(2))
        #expect(H.int64s(small[1]) == expectedSmall)
        let large = try H.run("TopK", version: 11, [x, H.ints([35])], outputCount: 2)
        let expectedIndices: [Int64] = threes + twos + ones + zeros
        #expect(H.int64s(large[1]) == expectedIndices)
        var expectedValues: [Int64] = []
        for (value, count) in [(Int64(3), 10), (2, 10), (1, 10), (0, 5)] {
            expectedValues += [Int64](repeating: value, count: count)
        }
        #expect(H.int64s(large[0]) == expectedValues)
        let smallest = try H.run("TopK", version: 11, [x, H.ints([35])], attributes: ["largest": .int(0)], outputCount: 2)
        let expectedSmallest: [Int64] = (0..<10).map { Int64(4 * $0) } + [1, 5]
        #expect(Array(H.int64s(smallest[1]).prefix(12)) == expectedSmallest)
    }
}
