extension DefaultKernels {
    /// MatMul with numpy semantics: 1-D operands are promoted (and the added dimension
    /// removed from the result), leading batch dimensions broadcast. float32 with a 2-D
    /// right-hand side runs as one packed GEMM over all rows of A; a constant right-hand
    /// side is packed once at load time.
    struct MatMulKernel: Kernel {
        let context: NodeContext
        /// The constant float32 right-hand side, packed (when it is 1-D or 2-D).
        let packedB: PackedMatrix?

        init(_ node: NodeInfo) throws(ModelError) {
            context = NodeContext(node)
            if let b = node.constantInputs[1], case .float32(let values) = b.data, b.rank == 1 || b.rank == 2 {
                let k = b.shape[0], n = b.rank == 2 ? b.shape[1] : 1
                packedB = PackedMatrix(values, rows: k, columns: n, transposed: false)
            } else {
                packedB = nil
            }
        }

        struct Layout {
            /// Batch shape of the output (broadcast of A's and B's batch dimensions).
            var batchShape: [Int]
            var aBatchShape: [Int]
            var bBatchShape: [Int]
            var m: Int
            var k: Int
            var n: Int
            var outputShape: [Int]
        }

        func layout(_ aShape: [Int], _ bShape: [Int]) throws(ModelError) -> Layout {
            guard !aShape.isEmpty, !bShape.isEmpty else { throw context.failure("MatMul operands must not be scalars") }
            let a2 = aShape.count == 1 ? [1, aShape[0]] : aShape
            let b2 = bShape.count == 1 ? [bShape[0], 1] : bShape
            let m = a2[a2.count - 2], k = a2[a2.count - 1]
            let kb = b2[b2.count - 2], n = b2[b2.count - 1]
            guard k == kb else {
                throw context.failure("shapes \(describe(aShape)) and \(describe(bShape)) are not aligned: \(k) != \(kb)")
            }
            let aBatch = Array(a2.dropLast(2)), bBatch = Array(b2.dropLast(2))
            guard let batch = Broadcast.shape(aBatch, bBatch) else {
                throw context.failure("batch dimensions of \(describe(aShape)) and \(describe(bShape)) cannot be broadcast")
            }
            var outputShape = batch
            if aShape.count > 1 { outputShape.append(m) }
            if bShape.count > 1 { outputShape.append(n) }
            return Layout(batchShape: batch, aBatchShape: aBatch, bBatchShape: bBatch, m: m, k: k, n: n,
                          outputShape: outputShape)
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let a = try tensorInput(inputs, 0, context)
            let b = try tensorInput(inputs, 1, context)
            guard a.elementType == b.elementType else {
                throw context.failure("operand types differ: \(a.elementType) and \(b.elementType)")
            }
            let layout = try layout(a.shape, b.shape)
            if case .float32(let x) = a.data, case .float32(let y) = b.data {
                return [.tensor(Tensor(shape: layout.outputShape, float32: multiplyFloat(x, y, layout)))]
            }
            let data = try visitNumeric(a.data, GenericMultiplier(layout: layout, b: b.data),
                                        unsupported: context.failure("unsupported element type \(a.elementType)"))
            return [.tensor(Tensor(shape: layout.outputShape, data: data))]
        }

        func multiplyFloat(_ x: [Float], _ y: [Float], _ layout: Layout) -> [Float] {
            let m = layout.m, n = layout.n, k = layout.k
            if layout.bBatchShape.allSatisfy({ $0 == 1 }) {
                // B is one matrix: all rows of all batches of A form a single GEMM.
                let packed = packedB ?? PackedMatrix(y, rows: k, columns: n, transposed: false)
                let rows = elementCount(layout.batchShape) * m
                return x.withUnsafeBufferPointer { aBuffer in
                    makeArray(count: rows * n) { (out: UnsafeMutablePointer<Float>) in
                        FloatGemm.multiply(rows: rows, a: address(aBuffer), aStride: k,
                                           b: packed, c: out, cStride: n, alpha: 1, accumulate: false)
                    }
                }
            }
            let batches = elementCount(layout.batchShape)
            let offsets = Broadcast.offsets(of: [layout.aBatchShape, layout.bBatchShape], in: layout.batchShape)
            return x.withUnsafeBufferPointer { aBuffer in
                y.withUnsafeBufferPointer { bBuffer in
                    makeArray(count: batches * m * n) { (out: UnsafeMutablePointer<Float>) in
                        for batch in 0..<batches {
                            let packed = PackedMatrix(address(bBuffer) + offsets[1][batch] * k * n,
                                                      rows: k, columns: n, transposed: false)
                            FloatGemm.multiply(rows: m, a: address(aBuffer) + offsets[0][batch] * m * k, aStride: k,
                                               b: packed, c: out + batch * m * n, cStride: n, alpha: 1, accumulate: false)
                        }
                    }
                }
            }
        }

        struct GenericMultiplier: NumericVisitor {
            typealias Output = TensorData
            let layout: Layout
            let b: TensorData

            func visit<N: NumericType>(_ type: N.Type, _ x: [N.Scalar]) throws(ModelError) -> TensorData {
                let y = N.unwrap(b)!
                let m = layout.m, n = layout.n, k = layout.k
                let batches = elementCount(layout.batchShape)
                let offsets = Broadcast.offsets(of: [layout.aBatchShape, layout.bBatchShape], in: layout.batchShape)
                let result = x.withUnsafeBufferPointer { aBuffer in
                    y.withUnsafeBufferPointer { bBuffer in
                        makeArray(count: batches * m * n) { (out: UnsafeMutablePointer<N.Scalar>) in
                            for batch in 0..<batches {
                                GenericGemm.multiply(N.self, m: m, n: n, k: k,
                                                     a: address(aBuffer) + offsets[0][batch] * m * k,
                                                     b: address(bBuffer) + offsets[1][batch] * k * n,
                                                     c: out + batch * m * n)
                            }
                        }
                    }
                }
                return N.wrap(result)
            }
        }
    }
}

extension DefaultKernels {
    /// Registers MatMul (1, 9, 13: type additions only).
    static func registerMatMulKernel(into registry: inout KernelRegistry) {
        registry.register("MatMul", versions: 1...21) { node throws(ModelError) in try MatMulKernel(node) }
    }
}
