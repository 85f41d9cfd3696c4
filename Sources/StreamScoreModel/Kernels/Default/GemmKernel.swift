extension DefaultKernels {
    /// Gemm: `Y = alpha * A' * B' + beta * C`, with `A' = transA ? Aᵀ : A`, `B' = transB ? Bᵀ : B`
    /// and C (optional from opset 11) broadcast unidirectionally to `[M, N]`. A constant float32 B
    /// is packed at load time; a constant C is pre-scaled by beta.
    struct GemmKernel: Kernel {
        let context: NodeContext
        let alpha: Float
        let beta: Float
        let transposeA: Bool
        let transposeB: Bool
        let packedB: PackedMatrix?
        /// `beta * C` for a constant float32 C.
        let scaledBias: Tensor?

        init(_ node: NodeInfo) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            alpha = try attributes.float("alpha", default: 1)
            beta = try attributes.float("beta", default: 1)
            transposeA = try attributes.flag("transA", default: false)
            transposeB = try attributes.flag("transB", default: false)
            if let b = node.constantInputs[1], case .float32(let values) = b.data, b.rank == 2 {
                let (k, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
                packedB = PackedMatrix(values, rows: k, columns: n, transposed: transposeB)
            } else {
                packedB = nil
            }
            if let c = node.constantInputs[2], case .float32(let values) = c.data {
                let beta = beta
                scaledBias = Tensor(shape: c.shape, float32: beta == 1 ? values : values.map { $0 * beta })
            } else {
                scaledBias = nil
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let a = try tensorInput(inputs, 0, context)
            let b = try tensorInput(inputs, 1, context)
            let c = try optionalTensorInput(inputs, 2, context)
            guard a.rank == 2, b.rank == 2 else {
                throw context.failure("A and B must be 2-D, got \(describe(a.shape)) and \(describe(b.shape))")
            }
            guard a.elementType == b.elementType, c.map({ $0.elementType == a.elementType }) ?? true else {
                throw context.failure("operand types differ")
            }
            let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
            let (kb, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
            guard k == kb else {
                throw context.failure("A' is [\(m), \(k)] but B' is [\(kb), \(n)]")
            }
            if let c, Broadcast.shape(c.shape, [m, n]) != [m, n] {
                throw context.failure("C of shape \(describe(c.shape)) cannot be broadcast to [\(m), \(n)]")
            }
            if case .float32(let x) = a.data, case .float32(let y) = b.data {
                return [.tensor(Tensor(shape: [m, n], float32: multiplyFloat(x, y, c, m: m, k: k, n: n)))]
            }
            let data = try visitNumeric(a.data, GenericMultiplier(kernel: self, a: a, b: b, c: c, m: m, k: k, n: n),
                                        unsupported: context.failure("unsupported element type \(a.elementType)"))
            return [.tensor(Tensor(shape: [m, n], data: data))]
        }

        func multiplyFloat(_ x: [Float], _ y: [Float], _ c: Tensor?, m: Int, k: Int, n: Int) -> [Float] {
            let packed = packedB ?? PackedMatrix(y, rows: k, columns: n, transposed: transposeB)
            let aValues = transposeA ? x.withUnsafeBufferPointer { GenericGemm.transposed(address($0), rows: k, columns: m) } : x
            // The bias term, already scaled by beta.
            var bias: (shape: [Int], values: [Float])?
            if let c, beta != 0, case .float32(let values) = c.data {
                if let scaledBias {
                    bias = (scaledBias.shape, Float32Type.unwrap(scaledBias.data)!)
                } else {
                    let beta = beta
                    bias = (c.shape, beta == 1 ? values : values.map { $0 * beta })
                }
            }
            return aValues.withUnsafeBufferPointer { aBuffer in
                makeArray(count: m * n) { (out: UnsafeMutablePointer<Float>) in
                    if let bias {
                        fillBroadcast(bias.values, bias.shape, into: out, rows: m, columns: n)
                    }
                    FloatGemm.multiply(rows: m, a: address(aBuffer), aStride: k, b: packed, c: out, cStride: n,
                                       alpha: alpha, accumulate: bias != nil)
                }
            }
        }

        /// Writes `values` (of a shape broadcastable to `[rows, columns]`) to every row of `out`.
        func fillBroadcast(_ values: [Float], _ shape: [Int], into out: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
            let count = rows * columns
            values.withUnsafeBufferPointer { source in
                let base = address(source)
                if source.count == count {
                    out.initialize(from: base, count: count)
                } else if source.count == 1 {
                    out.initialize(repeating: base[0], count: count)
                } else if Broadcast.isTrailingBlock(shape, of: [rows, columns]) {
                    for row in 0..<rows { (out + row * columns).initialize(from: base, count: columns) }
                } else {
                    // A column [M, 1].
                    for row in 0..<rows { (out + row * columns).initialize(repeating: base[row], count: columns) }
                }
            }
        }

        struct GenericMultiplier: NumericVisitor {
            typealias Output = TensorData
            let kernel: GemmKernel
            let a: Tensor
            let b: Tensor
            let c: Tensor?
            let m: Int, k: Int, n: Int

            func visit<N: NumericType>(_ type: N.Type, _ x: [N.Scalar]) throws(ModelError) -> TensorData {
                let y = N.unwrap(b.data)!
                let aValues = kernel.transposeA ? x.withUnsafeBufferPointer { GenericGemm.transposed(address($0), rows: k, columns: m) } : x
                let bValues = kernel.transposeB ? y.withUnsafeBufferPointer { GenericGemm.transposed(address($0), rows: n, columns: k) } : y
                var product = aValues.withUnsafeBufferPointer { aBuffer in
                    bValues.withUnsafeBufferPointer { bBuffer in
                        makeArray(count: m * n) { (out: UnsafeMutablePointer<N.Scalar>) in
                            GenericGemm.multiply(N.self, m: m, n: n, k: k, a: address(aBuffer), b: address(bBuffer), c: out)
                        }
                    }
                }
                let alpha = N.fromDouble(Double(kernel.alpha)), beta = N.fromDouble(Double(kernel.beta))
                if kernel.alpha != 1 { product = mapElements(product) { N.multiply(alpha, $0) } }
                if let c, kernel.beta != 0, let cValues = N.unwrap(c.data) {
                    let scaled = kernel.beta == 1 ? cValues : mapElements(cValues) { N.multiply(beta, $0) }
                    product = Broadcast.apply(AddOperation<N>(), product, [m, n], scaled, c.shape, outputShape: [m, n])
                }
                return N.wrap(product)
            }
        }
    }

    /// Registers Gemm. 1-6 carry a `broadcast` attribute (numpy-style broadcasting of C covers
    /// both settings); 7-10 require C; 11+ make C optional.
    static func registerGemmKernel(into registry: inout KernelRegistry) {
        registry.register("Gemm", versions: 1...6) { node throws(ModelError) in try GemmKernel(node) }
        registry.register("Gemm", versions: 7...10) { node throws(ModelError) in try GemmKernel(node) }
        registry.register("Gemm", versions: 11...21) { node throws(ModelError) in try GemmKernel(node) }
    }
}
