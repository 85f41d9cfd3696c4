extension DefaultKernels {
    /// Single-threaded float32 matrix multiplication `C = alpha * A * B (+ C)` with A row-major
    /// and B pre-packed (`PackedMatrix`). A 6x8 register-blocked micro-kernel runs over
    /// cache blocks of K (`depthBlock`) and of B's panels (`panelBlock`); a single-row
    /// product (batch 1) uses a dedicated vector-matrix loop over four panels at a time.
    enum FloatGemm {
        /// Columns per packed panel (one `SIMD8<Float>`).
        static let panelWidth = 8
        /// Rows of A per micro-kernel call.
        static let rowBlock = 6
        /// Depth (K) per cache block: 6 rows of A (6 KB) stay in L1.
        static let depthBlock = 256
        /// Panels per cache block: 256 x 32 x 8 floats (256 KB) of B stay in L2.
        static let panelBlock = 32

        typealias Vector = SIMD8<Float>
        typealias WideVector = SIMD8<Double>

        /// Products over at most this many terms round like a chain of fused multiply-adds
        /// (see `multiplyFused`).
        static let fusedDepthLimit = 16

        @inline(__always)
        static func load(_ pointer: UnsafePointer<Float>) -> Vector {
            UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
        }

        @inline(__always)
        static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
        }

        /// Writes (or, with `accumulate`, adds) `alpha * value` to the first `columns` floats at `target`.
        @inline(__always)
        static func write(_ value: Vector, to target: UnsafeMutablePointer<Float>, columns: Int,
                          alpha: Float, accumulate: Bool) {
            let scaled = alpha == 1 ? value : value * Vector(repeating: alpha)
            if columns == panelWidth {
                store(accumulate ? load(target) + scaled : scaled, target)
            } else {
                for column in 0..<columns {
                    target[column] = accumulate ? target[column] + scaled[column] : scaled[column]
                }
            }
        }

        /// `C[m, n] (+)= alpha * A[m, k] * B[k, n]`.
        /// - Parameters:
        ///   - a: row-major A with `aStride` floats between rows.
        ///   - c: row-major C with `cStride` floats between rows.
        ///   - accumulate: add to C's current values instead of overwriting them.
        static func multiply(rows m: Int, a: UnsafePointer<Float>, aStride: Int, b: PackedMatrix,
                             c: UnsafeMutablePointer<Float>, cStride: Int, alpha: Float, accumulate: Bool) {
            let n = b.columns, k = b.rows
            guard m > 0, n > 0 else { return }
            if k == 0 {
                if !accumulate {
                    for row in 0..<m { (c + row * cStride).update(repeating: 0, count: n) }
                }
                return
            }
            if k <= fusedDepthLimit {
                b.storage.withUnsafeBufferPointer { packed in
                    multiplyFused(rows: m, a: a, aStride: aStride, packed: packed.baseAddress!, k: k, n: n,
                                  c: c, cStride: cStride, alpha: alpha, accumulate: accumulate)
                }
                return
            }
            if let transposed = b.transposedColumns, m > 1 {
                transposed.withUnsafeBufferPointer { buffer in
                    NarrowGemm.multiply(rows: m, a: a, aStride: aStride, transposed: buffer.baseAddress!, k: k, n: n,
                                        c: c, cStride: cStride, alpha: alpha, accumulate: accumulate)
                }
                return
            }
            b.storage.withUnsafeBufferPointer { packedBuffer in
                let packed = packedBuffer.baseAddress!
                if m == 1 {
                    vectorTimesMatrix(a, packed, k: k, n: n, c: c, alpha: alpha, accumulate: accumulate)
                    return
                }
                let panels = b.panelCount
                var depthStart = 0
                while depthStart < k {
                    let depth = min(depthBlock, k - depthStart)
                    let addToC = accumulate || depthStart > 0
                    var panelStart = 0
                    while panelStart < panels {
                        let panelEnd = min(panels, panelStart + panelBlock)
                        var row = 0
                        while row < m {
                            let rows = min(rowBlock, m - row)
                            // Rows past the end repeat the last row; their results are discarded.
                            let a0 = a + row * aStride + depthStart
                            let a1 = rows > 1 ? a0 + aStride : a0
                            let a2 = rows > 2 ? a1 + aStride : a1
                            let a3 = rows > 3 ? a2 + aStride : a2
                            let a4 = rows > 4 ? a3 + aStride : a3
                            let a5 = rows > 5 ? a4 + aStride : a4
                            for panel in panelStart..<panelEnd {
                                let bPanel = packed + (panel * k + depthStart) * panelWidth
                                let columns = min(panelWidth, n - panel * panelWidth)
                                microKernel(depth, a0, a1, a2, a3, a4, a5, bPanel,
                                            c + row * cStride + panel * panelWidth, cStride,
                                            rows: rows, columns: columns, alpha: alpha, accumulate: addToC)
                            }
                            row += rowBlock
                        }
                        panelStart = panelEnd
                    }
                    depthStart += depth
                }
            }
        }

        /// The product computed as onnxruntime's FMA kernels do: for each output, a sequential
        /// chain `acc = fma(a[p], b[p], acc)` from 0, then `fma(acc, alpha, C)`. Each fused step
        /// is emulated exactly in double precision (the float product is exact there). Used for
        /// shallow products, where results often feed a cancellation (`|x|² - 2x·c + |c|²` in
        /// KMeans distances) that would magnify the difference between fused and separate
        /// rounding; the cost is negligible at such depths.
        static func multiplyFused(rows m: Int, a: UnsafePointer<Float>, aStride: Int, packed: UnsafePointer<Float>,
                                  k: Int, n: Int, c: UnsafeMutablePointer<Float>, cStride: Int,
                                  alpha: Float, accumulate: Bool) {
            let panels = (n + panelWidth - 1) / panelWidth
            let wideAlpha = WideVector(repeating: Double(alpha))
            for row in 0..<m {
                let aRow = a + row * aStride
                for panel in 0..<panels {
                    let bPanel = packed + panel * k * panelWidth
                    var acc = Vector()
                    for p in 0..<k {
                        let product = WideVector(repeating: Double(aRow[p])) * WideVector(load(bPanel + p * panelWidth))
                        acc = Vector(product + WideVector(acc))
                    }
                    let target = c + row * cStride + panel * panelWidth
                    let columns = min(panelWidth, n - panel * panelWidth)
                    var existing = WideVector()
                    if accumulate {
                        for column in 0..<columns { existing[column] = Double(target[column]) }
                    }
                    let result = Vector(WideVector(acc) * wideAlpha + existing)
                    for column in 0..<columns { target[column] = result[column] }
                }
            }
        }

        /// A 6x8 block of C from 6 rows of A and one packed panel of B over `depth` steps.
        @inline(__always)
        static func microKernel(_ depth: Int,
                                _ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>, _ a2: UnsafePointer<Float>,
                                _ a3: UnsafePointer<Float>, _ a4: UnsafePointer<Float>, _ a5: UnsafePointer<Float>,
                                _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ cStride: Int,
                                rows: Int, columns: Int, alpha: Float, accumulate: Bool) {
            var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector(), c4 = Vector(), c5 = Vector()
            var bp = b
            for p in 0..<depth {
                let bv = load(bp)
                c0 += Vector(repeating: a0[p]) * bv
                c1 += Vector(repeating: a1[p]) * bv
                c2 += Vector(repeating: a2[p]) * bv
                c3 += Vector(repeating: a3[p]) * bv
                c4 += Vector(repeating: a4[p]) * bv
                c5 += Vector(repeating: a5[p]) * bv
                bp += panelWidth
            }
            write(c0, to: c, columns: columns, alpha: alpha, accumulate: accumulate)
            if rows > 1 { write(c1, to: c + cStride, columns: columns, alpha: alpha, accumulate: accumulate) }
            if rows > 2 { write(c2, to: c + 2 * cStride, columns: columns, alpha: alpha, accumulate: accumulate) }
            if rows > 3 { write(c3, to: c + 3 * cStride, columns: columns, alpha: alpha, accumulate: accumulate) }
            if rows > 4 { write(c4, to: c + 4 * cStride, columns: columns, alpha: alpha, accumulate: accumulate) }
            if rows > 5 { write(c5, to: c + 5 * cStride, columns: columns, alpha: alpha, accumulate: accumulate) }
        }

        /// `c (+)= alpha * x * B` for one row `x` (GEMV), four panels per pass for independent
        /// accumulation chains.
        static func vectorTimesMatrix(_ x: UnsafePointer<Float>, _ packed: UnsafePointer<Float>, k: Int, n: Int,
                                      c: UnsafeMutablePointer<Float>, alpha: Float, accumulate: Bool) {
            let panels = (n + panelWidth - 1) / panelWidth
            let panelSize = k * panelWidth
            var panel = 0
            while panel + 4 <= panels {
                var s0 = Vector(), s1 = Vector(), s2 = Vector(), s3 = Vector()
                let b0 = packed + panel * panelSize
                let b1 = b0 + panelSize, b2 = b1 + panelSize, b3 = b2 + panelSize
                for p in 0..<k {
                    let xv = Vector(repeating: x[p])
                    let offset = p * panelWidth
                    s0 += xv * load(b0 + offset)
                    s1 += xv * load(b1 + offset)
                    s2 += xv * load(b2 + offset)
                    s3 += xv * load(b3 + offset)
                }
                let target = c + panel * panelWidth
                let last = min(panelWidth, n - (panel + 3) * panelWidth)
                write(s0, to: target, columns: panelWidth, alpha: alpha, accumulate: accumulate)
                write(s1, to: target + panelWidth, columns: panelWidth, alpha: alpha, accumulate: accumulate)
                write(s2, to: target + 2 * panelWidth, columns: panelWidth, alpha: alpha, accumulate: accumulate)
                write(s3, to: target + 3 * panelWidth, columns: last, alpha: alpha, accumulate: accumulate)
                panel += 4
            }
            while panel < panels {
                var s0 = Vector(), s1 = Vector()
                let b0 = packed + panel * panelSize
                var p = 0
                while p + 2 <= k {
                    s0 += Vector(repeating: x[p]) * load(b0 + p * panelWidth)
                    s1 += Vector(repeating: x[p + 1]) * load(b0 + (p + 1) * panelWidth)
                    p += 2
                }
                if p < k { s0 += Vector(repeating: x[p]) * load(b0 + p * panelWidth) }
                write(s0 + s1, to: c + panel * panelWidth, columns: min(panelWidth, n - panel * panelWidth),
                      alpha: alpha, accumulate: accumulate)
                panel += 1
            }
        }
    }
}
