import Testing
@testable import StreamScoreModel

@Suite("ML linear and SVM models")
struct MLLinearAndSVMTests {
    @Test("LinearClassifier multiclass with SOFTMAX: label from raw scores, softmax scores")
    func linearMulticlass() throws {
        let attributes: [String: Attribute] = [
            "coefficients": .floats([1, 0, 0, 1, 1, 1]), "intercepts": .floats([0, 0.5, -1]),
            "classlabels_strings": .strings(["a", "b", "c"]), "post_transform": .string("SOFTMAX"),
            "multi_class": .int(1),
        ]
        let out = try MLTest.run("LinearClassifier", attributes, rows: [[1, 2]])
        // Raw scores [1, 2.5, 2].
        #expect(MLTest.strings(out[0]) == ["b"])
        #expect(MLTest.close(MLTest.floats(out[1]), [0.12195165, 0.5465494, 0.33149898]))
        #expect(MLTest.shape(out[1]) == [1, 3])
    }

    @Test("LinearClassifier binary: one coefficient row gives [1 − s, s] and labels[1] when s > 0")
    func linearBinary() throws {
        for transform in ["NONE", "LOGISTIC"] {
            let attributes: [String: Attribute] = [
                "coefficients": .floats([1, -1]), "intercepts": .floats([0.5]),
                "classlabels_ints": .ints([3, 4]), "post_transform": .string(transform),
            ]
            let out = try MLTest.run("LinearClassifier", attributes, rows: [[1, 2], [2, 1]])
            #expect(MLTest.int64s(out[0]) == [3, 4])
            #expect(MLTest.floats(out[1]) == [1.5, -0.5, -0.5, 1.5])
            #expect(MLTest.shape(out[1]) == [2, 2])
        }
    }

    @Test("LinearClassifier with two rows and LOGISTIC (skl2onnx binary logistic regression)")
    func linearTwoRows() throws {
        let attributes: [String: Attribute] = [
            "coefficients": .floats([-1, -1, 1, 1]), "intercepts": .floats([0, 0]),
            "classlabels_ints": .ints([0, 1]), "post_transform": .string("LOGISTIC"),
        ]
        let out = try MLTest.run("LinearClassifier", attributes, rows: [[0.5, 0.5]])
        #expect(MLTest.int64s(out[0]) == [1])
        #expect(MLTest.close(MLTest.floats(out[1]), [0.26894143, 0.7310586]))
    }

    @Test("LinearRegressor with intercepts; multiple targets")
    func linearRegressor() throws {
        let one = try MLTest.run("LinearRegressor", ["coefficients": .floats([1, 2]), "intercepts": .floats([0.5])],
                                 rows: [[1, 1], [2, 0]])
        #expect(MLTest.floats(one[0]) == [3.5, 2.5])
        let two = try MLTest.run("LinearRegressor", ["coefficients": .floats([1, 2, 3, 4]), "targets": .int(2)],
                                 rows: [[1, 1]])
        #expect(MLTest.floats(two[0]) == [3, 7])
        #expect(MLTest.loadError("LinearRegressor", ["coefficients": .floats([1, 2, 3]), "targets": .int(2)]) != nil)
    }

    /// Two classes, one support vector each: class 0 at (0, 0), class 1 at (1, 1).
    func binarySVC(kernel: String, transform: String = "NONE", probabilities: Bool = false) -> [String: Attribute] {
        var a: [String: Attribute] = [
            "kernel_type": .string(kernel), "kernel_params": .floats([0.5, 0, 0]),
            "vectors_per_class": .ints([1, 1]), "support_vectors": .floats([0, 0, 1, 1]),
            "coefficients": .floats([1, -1]), "rho": .floats([0.1]), "classlabels_ints": .ints([0, 1]),
            "post_transform": .string(transform),
        ]
        if probabilities {
            a["prob_a"] = .floats([-2])
            a["prob_b"] = .floats([0.5])
        }
        return a
    }

    @Test("SVC with an RBF kernel: decision value, vote and [−s, s] scores")
    func svcRBF() throws {
        // K0 = exp(−0.5·0.25) = 0.8824969, K1 = exp(−0.5·1.25) = 0.5352614; s = K0 − K1 + 0.1.
        let out = try MLTest.run("SVMClassifier", binarySVC(kernel: "RBF"), rows: [[0.5, 0]])
        #expect(MLTest.int64s(out[0]) == [0])
        #expect(MLTest.close(MLTest.floats(out[1]), [-0.4472355, 0.4472355]))
        let transformed = try MLTest.run("SVMClassifier", binarySVC(kernel: "RBF", transform: "LOGISTIC"), rows: [[0.5, 0]])
        #expect(MLTest.close(MLTest.floats(transformed[1]), [0.5527645, 0.4472355]))
    }

    @Test("SVC with a linear kernel votes for the second class on a negative decision")
    func svcLinear() throws {
        // K0 = 0, K1 = 0.5: s = 0 − 0.5 + 0.1 = −0.4.
        let out = try MLTest.run("SVMClassifier", binarySVC(kernel: "LINEAR"), rows: [[0.5, 0]])
        #expect(MLTest.int64s(out[0]) == [1])
        #expect(MLTest.close(MLTest.floats(out[1]), [0.4, -0.4]))
    }

    @Test("SVC probabilities: Platt scaling then pairwise coupling")
    func svcProbabilities() throws {
        // p01 = 1 − σ(−2·0.4472355 + 0.5) = 0.5973585, coupled to [0.5968265, 0.40317366].
        let out = try MLTest.run("SVMClassifier", binarySVC(kernel: "RBF", probabilities: true), rows: [[0.5, 0]])
        #expect(MLTest.int64s(out[0]) == [0])
        #expect(MLTest.close(MLTest.floats(out[1]), [0.5968265, 0.40317366]))
    }

    @Test("three-class SVC: one-vs-one decision values and majority vote")
    func svcThreeClasses() throws {
        // Linear kernels against (1,0), (0,1), (1,1) for x = (1, 2): [1, 2, 3].
        // d01 = 1·1 − 1·2 = −1 (vote 1), d02 = 0.5·1 + 0.5·3 = 2 (vote 0), d12 = 1·2 − 1·3 + 2 = 1 (vote 1).
        let attributes: [String: Attribute] = [
            "kernel_type": .string("LINEAR"), "vectors_per_class": .ints([1, 1, 1]),
            "support_vectors": .floats([1, 0, 0, 1, 1, 1]), "coefficients": .floats([1, -1, 0.5, 0.5, 1, -1]),
            "rho": .floats([0, 0, 2]), "classlabels_strings": .strings(["a", "b", "c"]),
        ]
        let out = try MLTest.run("SVMClassifier", attributes, rows: [[1, 2]])
        #expect(MLTest.strings(out[0]) == ["b"])
        #expect(MLTest.floats(out[1]) == [-1, 2, 1])
    }

    @Test("SVMClassifier without support vectors is a linear model per class")
    func svmLinearMode() throws {
        let attributes: [String: Attribute] = [
            "coefficients": .floats([1, 0, 0, 1, 1, 1]), "rho": .floats([0.5]),
            "classlabels_ints": .ints([1, 2, 3]),
        ]
        let out = try MLTest.run("SVMClassifier", attributes, rows: [[1, 2]])
        #expect(MLTest.int64s(out[0]) == [3])
        #expect(MLTest.floats(out[1]) == [1.5, 2.5, 3.5])
    }

    @Test("SVMRegressor: RBF support vectors, one_class and linear mode")
    func svmRegressor() throws {
        var a: [String: Attribute] = [
            "kernel_type": .string("RBF"), "kernel_params": .floats([0.5, 0, 0]), "n_supports": .int(2),
            "support_vectors": .floats([0, 0, 1, 1]), "coefficients": .floats([1, -1]), "rho": .floats([0.1]),
        ]
        #expect(MLTest.close(MLTest.floats(try MLTest.run("SVMRegressor", a, rows: [[0.5, 0]])[0]), [0.4472355]))
        a["one_class"] = .int(1)
        a["rho"] = .floats([-0.5])
        #expect(MLTest.floats(try MLTest.run("SVMRegressor", a, rows: [[0.5, 0]])[0]) == [-1])
        let linear = try MLTest.run("SVMRegressor", ["coefficients": .floats([2, 3]), "rho": .floats([1]), "n_supports": .int(0)],
                                    rows: [[1, 1]])
        #expect(MLTest.floats(linear[0]) == [6])
    }

    @Test("SVM attribute validation")
    func svmValidation() {
        var a = binarySVC(kernel: "RBF")
        a["coefficients"] = .floats([1])
        #expect(MLTest.loadError("SVMClassifier", a)?.contains("coefficients") == true)
        var b = binarySVC(kernel: "RBF")
        b["kernel_type"] = .string("CUBIC")
        #expect(MLTest.loadError("SVMClassifier", b)?.contains("CUBIC") == true)
    }
}
