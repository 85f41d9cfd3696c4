/// `ai.onnx.ml.SVMClassifier`: libsvm-style one-vs-one SVC (support vectors present) or a linear
/// model per class (no support vectors), on float-converted inputs [N, F]; outputs labels [N] and
/// scores.
///
/// onnxruntime conventions reproduced here:
/// - SVC: pairwise decision values `Σ coef·K + rho` (class i vs j, i < j) vote for i when positive;
///   the label is the class with the most votes (first on ties). Without `prob_a`/`prob_b` the scores
///   are the pairwise decision values; with two classes the single value `s` becomes `[−s, s]`
///   (post transform NONE) or `[1 − s, s]` (otherwise, the transform itself is not applied). With
///   `prob_a`/`prob_b` the scores are the pairwise-coupled Platt probabilities, one per class.
/// - Linear mode: scores `x·coef_c + rho[0]`, label = first highest score, except with two labels
///   where label 1 wins when the top score is ≥ 0.5 (all coefficients non-negative) or > 0 (mixed).
/// - The post transform applies to score rows of two or more values.
struct SVMClassifierKernel: Kernel {
    let name: String
    let kernel: SVMKernelFunction
    let labels: MLClassLabels
    let classCount: Int
    let featureCount: Int
    let vectorsPerClass: [Int]
    let vectorStart: [Int]
    let vectorCount: Int
    let supportVectors: [Float]
    let coefficients: [Float]
    let rho: [Float]
    let probA: [Float]
    let probB: [Float]
    let postTransform: MLPostTransform
    let weightsAllPositive: Bool

    var isLinear: Bool { vectorCount == 0 }
    var classifierCount: Int { classCount * (classCount - 1) / 2 }

    init(_ node: NodeInfo) throws(ModelError) {
        let a = MLAttributes(node)
        name = node.name
        var kernel = try SVMKernelFunction(a)
        labels = try MLClassLabels(a, intsName: "classlabels_ints")
        classCount = labels.count
        coefficients = try a.floats("coefficients")
        guard !coefficients.isEmpty else { throw a.invalid("coefficients are required") }
        rho = try a.floats("rho")
        guard !rho.isEmpty else { throw a.invalid("rho is required") }
        probA = try a.floats("prob_a")
        probB = try a.floats("prob_b")
        guard probA.count == probB.count else {
            throw a.invalid("prob_a has \(probA.count) values but prob_b has \(probB.count)")
        }
        postTransform = try MLPostTransform(a)
        supportVectors = try a.floats("support_vectors")
        let perClass = try a.ints("vectors_per_class")
        guard !perClass.contains(where: { $0 < 0 }) else { throw a.invalid("vectors_per_class has a negative count") }
        vectorsPerClass = perClass.map { Int($0) }
        var starts: [Int] = []
        var total = 0
        for count in vectorsPerClass {
            starts.append(total)
            total += count
        }
        vectorStart = starts
        vectorCount = total
        weightsAllPositive = !coefficients.contains { $0 < 0 }
        let pairs = classCount * (classCount - 1) / 2
        if total > 0 {
            guard classCount >= 2 else { throw a.invalid("an SVC needs at least two class labels") }
            guard vectorsPerClass.count == classCount else {
                throw a.invalid("vectors_per_class has \(vectorsPerClass.count) entries for \(classCount) classes")
            }
            guard supportVectors.count % total == 0, !supportVectors.isEmpty else {
                throw a.invalid("\(supportVectors.count) support vector values do not split into \(total) vectors")
            }
            featureCount = supportVectors.count / total
            guard coefficients.count >= (classCount - 1) * total else {
                throw a.invalid("expected \((classCount - 1) * total) coefficients ((classes − 1) × vectors), got \(coefficients.count)")
            }
            guard rho.count >= pairs else { throw a.invalid("expected \(pairs) rho values, got \(rho.count)") }
            guard probA.isEmpty || probA.count >= pairs else {
                throw a.invalid("expected \(pairs) prob_a/prob_b values, got \(probA.count)")
            }
        } else {
            guard coefficients.count % classCount == 0 else {
                throw a.invalid("\(coefficients.count) coefficients do not split into \(classCount) classes")
            }
            featureCount = coefficients.count / classCount
            kernel.kind = .linear
        }
        self.kernel = kernel
    }

    /// Columns of the score output.
    var scoreCount: Int {
        if !isLinear && probA.isEmpty { return classCount > 2 ? classifierCount : 2 }
        return classCount
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let x = try MLInput.tensor(inputs, 0, node: name, op: "SVMClassifier")
        let (rows, columns) = try MLInput.matrixShape(x, node: name, op: "SVMClassifier")
        guard columns == featureCount else {
            throw MLAttributes.runtimeError(name, "SVMClassifier", "expected \(featureCount) features, got \(columns)")
        }
        let xs = try MLInput.floats(x, node: name, op: "SVMClassifier")
        let width = scoreCount
        var scores = [Float](repeating: 0, count: rows * width)
        var labelIndex = [Int](repeating: 0, count: rows)
        xs.withUnsafeBufferPointer { xb in
            scores.withUnsafeMutableBufferPointer { sb in
                for r in 0..<rows {
                    let row = xb.baseAddress! + r * columns
                    let out = UnsafeMutableBufferPointer(rebasing: sb[(r * width)..<(r * width + width)])
                    labelIndex[r] = isLinear ? scoreLinear(row, out) : scoreSVC(row, out)
                }
            }
        }
        return [.tensor(labels.tensor(indices: labelIndex)), .tensor(Tensor(shape: [rows, width], float32: scores))]
    }

    /// Linear (liblinear) mode: one score per class.
    private func scoreLinear(_ x: UnsafePointer<Float>, _ out: UnsafeMutableBufferPointer<Float>) -> Int {
        coefficients.withUnsafeBufferPointer { cb in
            for c in 0..<classCount {
                out[c] = kernel(x, cb.baseAddress! + c * featureCount, count: featureCount) + rho[0]
            }
        }
        var best = 0
        for c in 1..<max(classCount, 1) where out[c] > out[best] { best = c }
        let maxWeight = out[best]
        var label = best
        if classCount == 2 && probA.isEmpty && ((weightsAllPositive && maxWeight >= 0.5) || (!weightsAllPositive && maxWeight > 0)) {
            label = 1
        }
        finishScores(out)
        return label
    }

    /// One-vs-one SVC mode.
    private func scoreSVC(_ x: UnsafePointer<Float>, _ out: UnsafeMutableBufferPointer<Float>) -> Int {
        var kernels = [Float](repeating: 0, count: vectorCount)
        supportVectors.withUnsafeBufferPointer { sv in
            for v in 0..<vectorCount {
                kernels[v] = kernel(x, sv.baseAddress! + v * featureCount, count: featureCount)
            }
        }
        var votes = [Int](repeating: 0, count: classCount)
        var decisions = [Float](repeating: 0, count: classifierCount)
        var index = 0
        for i in 0..<(classCount - 1) {
            let startI = vectorStart[i]
            let rowI = vectorCount * i
            for j in (i + 1)..<classCount {
                let startJ = vectorStart[j]
                let rowJ = vectorCount * (j - 1)
                var sum: Double = 0
                for m in 0..<vectorsPerClass[i] {
                    sum += Double(coefficients[rowJ + startI + m] * kernels[startI + m])
                }
                for m in 0..<vectorsPerClass[j] {
                    sum += Double(coefficients[rowI + startJ + m] * kernels[startJ + m])
                }
                sum += Double(rho[index])
                decisions[index] = Float(sum)
                votes[sum > 0 ? i : j] += 1
                index += 1
            }
        }
        var label = 0
        for c in 1..<classCount where votes[c] > votes[label] { label = c }

        if !probA.isEmpty {
            let k = classCount
            var pairwise = [Float](repeating: 0, count: k * k)
            var index = 0
            for i in 0..<(k - 1) {
                for j in (i + 1)..<k {
                    let p = min(max(MLMath.sigmoidProbability(decisions[index], probA[index], probB[index]), 1.0e-7), 1 - 1.0e-7)
                    pairwise[i * k + j] = p
                    pairwise[j * k + i] = 1 - p
                    index += 1
                }
            }
            MLMath.multiclassProbability(classCount: k, r: pairwise, p: out)
            finishScores(out)
            return label
        }
        if classCount > 2 {
            for i in 0..<classifierCount { out[i] = decisions[i] }
            finishScores(out)
            return label
        }
        // Two classes, no probabilities: the single decision value gets a second column.
        let s = decisions[0]
        switch postTransform {
        case .probit:
            out[0] = MLMath.probit(s)
            out[1] = 0
        case .none:
            out[0] = -s
            out[1] = s
        default:
            out[0] = 1 - s
            out[1] = s
        }
        return label
    }

    private func finishScores(_ out: UnsafeMutableBufferPointer<Float>) {
        if out.count > 1 {
            postTransform.applyToRow(out)
        } else if out.count == 1 && postTransform == .probit {
            out[0] = MLMath.probit(out[0])
        }
    }
}
