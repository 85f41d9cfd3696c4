/// Registers the `ai.onnx.ml` domain kernels.
///
/// ai.onnx.ml opsets seen in the wild are 1–5. Operators unchanged since version 1 are registered
/// for 1...5. TreeEnsembleRegressor/Classifier: v1 for opsets 1–2 and v3 for 3–4 (deprecated in 5);
/// both accept the FLOATS and `*_as_tensor` attribute forms. LabelEncoder: v1 for opset 1, v2 for
/// 2–3, v4 for 4–5.
enum MLKernels {
    static let domain = "ai.onnx.ml"

    static func register(into registry: inout KernelRegistry) {
        func add(_ op: String, _ versions: ClosedRange<Int>, _ factory: @escaping KernelFactory) {
            registry.register(domain: domain, op, versions: versions, factory)
        }
        add("TreeEnsembleRegressor", 1...2) { node throws(ModelError) in try TreeEnsembleRegressorKernel(node) }
        add("TreeEnsembleRegressor", 3...4) { node throws(ModelError) in try TreeEnsembleRegressorKernel(node) }
        add("TreeEnsembleClassifier", 1...2) { node throws(ModelError) in try TreeEnsembleClassifierKernel(node) }
        add("TreeEnsembleClassifier", 3...4) { node throws(ModelError) in try TreeEnsembleClassifierKernel(node) }
        add("LinearClassifier", 1...5) { node throws(ModelError) in try LinearClassifierKernel(node) }
        add("LinearRegressor", 1...5) { node throws(ModelError) in try LinearRegressorKernel(node) }
        add("SVMClassifier", 1...5) { node throws(ModelError) in try SVMClassifierKernel(node) }
        add("SVMRegressor", 1...5) { node throws(ModelError) in try SVMRegressorKernel(node) }
        add("Scaler", 1...5) { node throws(ModelError) in try ScalerKernel(node) }
        add("Normalizer", 1...5) { node throws(ModelError) in try NormalizerKernel(node) }
        add("Imputer", 1...5) { node throws(ModelError) in try ImputerKernel(node) }
        add("OneHotEncoder", 1...5) { node throws(ModelError) in try OneHotEncoderKernel(node) }
        add("LabelEncoder", 1...1) { node throws(ModelError) in try LabelEncoderKernel(node) }
        add("LabelEncoder", 2...3) { node throws(ModelError) in try LabelEncoderKernel(node) }
        add("LabelEncoder", 4...5) { node throws(ModelError) in try LabelEncoderKernel(node) }
        add("ArrayFeatureExtractor", 1...5) { node throws(ModelError) in try ArrayFeatureExtractorKernel(node) }
        add("ZipMap", 1...5) { node throws(ModelError) in try ZipMapKernel(node) }
        add("Binarizer", 1...5) { node throws(ModelError) in try BinarizerKernel(node) }
        add("FeatureVectorizer", 1...5) { node throws(ModelError) in try FeatureVectorizerKernel(node) }
    }
}
