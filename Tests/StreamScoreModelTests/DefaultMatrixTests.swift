import Testing
@testable import StreamScoreModel

@Suite("Default ops: MatMul and Gemm")
struct DefaultMatrixTests {
    typealias H = DefaultOpsHarness

    /// Deterministic pseudo-random floats in [-1, 1).
    static func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int32(truncatingIfNeeded: state >> 32)) / Float(Int32.max)
        }
    }

    /// Row-major `[m, k] x [k, n]` in double precision.
    static func reference(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
                c[i * n + j] = Float(sum)
            }
        }
        return c
    }

    static func agrees(_ actual: [Float], _ expected: [Float], k: Int) -> Bool {
        // Float accumulation over k terms of magnitude <= 1.
        let tolerance = Float(k) * 2e-7 + 1e-6
        return actual.count == expected.count && zip(actual, expected).allSatisfy { abs($0 - $1) <= tolerance }
    }

    @Test("MatMul matches a naive reference on random data",
          arguments: [(1, 50, 100), (1, 7, 3), (2, 5, 9), (7, 13, 17), (6, 8, 8), (13, 300, 9), (50, 20, 300), (33, 1, 5),
                      (9, 20, 1), (10, 19, 3), (5, 16, 4), (3, 8, 2), (4, 3, 1)])
    func matMulRandom(m: Int, k: Int, n: Int) throws {
        let a = Self.randomFloats(m * k, seed: UInt64(m * 1000 + k)), b = Self.randomFloats(k * n, seed: UInt64(n * 7 + k))
        let expected = Self.reference(a, b, m: m, k: k, n: n)
        let bTensor = H.f([k, n], b)
        for constants in [[:], [1: bTensor]] {
            let y = try H.run1("MatMul", version: 13, [H.f([m, k], a), bTensor], constants: constants)
            #expect(y.shape == [m, n])
            #expect(Self.agrees(H.floats(y), expected, k: k), "m=\(m) k=\(k) n=\(n) constant=\(!constants.isEmpty)")
        }
    }

    @Test("shallow products round like onnxruntime's fused multiply-add chain")
    func fusedRounding() throws {
        // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 is not a float. A fused chain keeps the 2^-24 when the
        // previous partial sum -(1 + 2^-11) cancels the rest; a separate multiply rounds it away.
        let e = Float(1) + Float(1) / 4096
        let a = H.f([1, 2], [1, e]), b = H.f([2, 1], [-(1 + Float(1) / 2048), e])
        for constants in [[:], [1: b]] {
            let y = try H.run1("MatMul", version: 13, [a, b], constants: constants)
            #expect(H.floats(y) == [Float(1) / 16_777_216])
        }
        let g = try H.run1("Gemm", version: 13, [a, b, H.f([1], [1])], attributes: ["alpha": .float(2)])
        #expect(H.floats(g) == [1 + Float(1) / 8_388_608])
    }

    @Test("MatMul with batch dimensions broadcasts the batches")
    func matMulBatched() throws {
        let a = Self.randomFloats(2 * 3 * 4, seed: 1), b = Self.randomFloats(2 * 4 * 5, seed: 2)
        let y = try H.run1("MatMul", version: 13, [H.f([2, 3, 4], a), H.f([2, 4, 5], b)])
        #expect(y.shape == [2, 3, 5])
        let first = Self.reference(Array(a[0..<12]), Array(b[0..<20]), m: 3, k: 4, n: 5)
        let second = Self.reference(Array(a[12..<24]), Array(b[20..<40]), m: 3, k: 4, n: 5)
        #expect(Self.agrees(H.floats(y), first + second, k: 4))
        // A batched, B a single matrix: all rows share B.
        let shared = try H.run1("MatMul", version: 13, [H.f([2, 3, 4], a), H.f([4, 5], Array(b[0..<20]))])
        #expect(shared.shape == [2, 3, 5])
        #expect(Self.agrees(H.floats(shared), Self.reference(a, Array(b[0..<20]), m: 6, k: 4, n: 5), k: 4))
        // B batched against a single A: [3,4] x [2,4,5] -> [2,3,5].
        let broadcastA = try H.run1("MatMul", version: 13, [H.f([3, 4], Array(a[0..<12])), H.f([2, 4, 5], b)])
        #expect(broadcastA.shape == [2, 3, 5])
        let secondShared = Self.reference(Array(a[0..<12]), Array(b[20..<40]), m: 3, k: 4, n: 5)
        #expect(Self.agrees(H.floats(broadcastA), first + secondShared, k: 4))
    }

    @Test("MatMul promotes 1-D operands and drops the added dimension")
    func matMulVectors() throws {
        let matrix = H.f([2, 3], [1, 2, 3, 4, 5, 6])
        let left = try H.run1("MatMul", version: 13, [H.f([2], [1, 1]), matrix])
        #expect(left.shape == [3])
        #expect(H.floats(left) == [5, 7, 9])
        let right = try H.run1("MatMul", version: 13, [matrix, H.f([3], [1, 0, -1])])
        #expect(right.shape == [2])
        #expect(H.floats(right) == [-2, -2])
        let dot = try H.run1("MatMul", version: 9, [H.f([3], [1, 2, 3]), H.f([3], [4, 5, 6])])
        #expect(dot.shape == [])
        #expect(H.floats(dot) == [32])
        #expect(throws: ModelError.self) { try H.run1("MatMul", version: 13, [matrix, H.f([2], [1, 1])]) }
    }

    @Test("MatMul on float64 and int64")
    func matMulOtherTypes() throws {
        let d = try H.run1("MatMul", version: 13, [Tensor(shape: [2, 2], float64: [1, 2, 3, 4]), Tensor(shape: [2, 1], float64: [0.5, -1])])
        #expect(H.doubles(d) == [-1.5, -2.5])
        let i = try H.run1("MatMul", version: 13, [H.i([1, 3], [1, 2, 3]), H.i([3, 2], [1, 0, 0, 1, 2, 2])])
        #expect(H.int64s(i) == [7, 8])
    }

    // A = [[1, 2], [3, 4], [5, 6]] (3x2), B = [[1, 0, 2], [0, 1, 3]] (2x3): AB = [[1,2,8],[3,4,18],[5,6,28]].
    let a = DefaultOpsHarness.f([3, 2], [1, 2, 3, 4, 5, 6])
    let b = DefaultOpsHarness.f([2, 3], [1, 0, 2, 0, 1, 3])
    let product: [Float] = [1, 2, 8, 3, 4, 18, 5, 6, 28]

    @Test("Gemm with a row-vector C, alpha and beta")
    func gemmRowBias() throws {
        let c = H.f([3], [10, 20, 30])
        for constants in [[:], [1: b, 2: c]] {
            let y = try H.run1("Gemm", version: 13, [a, b, c], attributes: ["alpha": .float(2), "beta": .float(0.5)],
                               constants: constants)
            #expect(y.shape == [3, 3])
            #expect(H.floats(y) == [7, 14, 31, 11, 18, 51, 15, 22, 71])
        }
    }

    @Test("Gemm with transA and transB")
    func gemmTransposes() throws {
        let aT = H.f([2, 3], [1, 3, 5, 2, 4, 6])
        let bT = H.f([3, 2], [1, 0, 0, 1, 2, 3])
        let both = try H.run1("Gemm", version: 11, [aT, bT], attributes: ["transA": .int(1), "transB": .int(1)])
        #expect(H.floats(both) == product)
        let onlyB = try H.run1("Gemm", version: 11, [a, bT], attributes: ["transB": .int(1)], constants: [1: bT])
        #expect(H.floats(onlyB) == product)
        let onlyA = try H.run1("Gemm", version: 11, [aT, b], attributes: ["transA": .int(1)])
        #expect(H.floats(onlyA) == product)
    }

    @Test("Gemm C broadcasts as a column, a scalar or a full matrix")
    func gemmBiasShapes() throws {
        let column = try H.run1("Gemm", version: 13, [a, b, H.f([3, 1], [1, 2, 3])])
        #expect(H.floats(column) == [2, 3, 9, 5, 6, 20, 8, 9, 31])
        let scalar = try H.run1("Gemm", version: 13, [a, b, H.f([], [1])], attributes: ["beta": .float(-1)])
        #expect(H.floats(scalar) == product.map { $0 - 1 })
        let full = try H.run1("Gemm", version: 9, [a, b, H.f([3, 3], [Float](repeating: 1, count: 9))], attributes: ["beta": .float(0)])
        #expect(H.floats(full) == product)
        let none = try H.run1("Gemm", version: 13, [a, b, nil])
        #expect(H.floats(none) == product)
        #expect(throws: ModelError.self) { try H.run1("Gemm", version: 13, [a, b, H.f([2], [1, 2])]) }
        #expect(throws: ModelError.self) { try H.run1("Gemm", version: 13, [a, a]) }
    }

    @Test("Gemm on float64 and int64")
    func gemmOtherTypes() throws {
        let d = try H.run1("Gemm", version: 13, [Tensor(shape: [1, 2], float64: [1, 2]), Tensor(shape: [2, 2], float64: [1, 2, 3, 4]),
                                                 Tensor(shape: [2], float64: [1, 1])], attributes: ["alpha": .float(0.5)])
        #expect(H.doubles(d) == [4.5, 6])
        let i = try H.run1("Gemm", version: 13, [H.i([1, 2], [1, 2]), H.i([2, 1], [3, 4]), H.i([1], [5])])
        #expect(H.int64s(i) == [16])
    }

    @Test("Gemm on larger random data with a bias row matches the reference")
    func gemmRandom() throws {
        let m = 37, k = 50, n = 21
        let aValues = Self.randomFloats(m * k, seed: 11), bValues = Self.randomFloats(n * k, seed: 12)
        let bias = Self.randomFloats(n, seed: 13)
        // B given transposed ([n, k]) as sklearn-style exports do.
        var bRowMajor = [Float](repeating: 0, count: k * n)
        for j in 0..<n { for p in 0..<k { bRowMajor[p * n + j] = bValues[j * k + p] } }
        let expected = zip(Self.reference(aValues, bRowMajor, m: m, k: k, n: n).enumerated().map { $0.element }, 0...)
            .map { value, index in value + bias[index % n] }
        let bTensor = H.f([n, k], bValues), cTensor = H.f([n], bias)
        let y = try H.run1("Gemm", version: 13, [H.f([m, k], aValues), bTensor, cTensor], attributes: ["transB": .int(1)],
                           constants: [1: bTensor, 2: cTensor])
        #expect(Self.agrees(H.floats(y), expected, k: k))
    }
}
