// Loads a SavedModel the way TensorFlow Serving does and answers Predict
// requests through the same C++ calls.
//
// Built by keras_s2s/export/serving_harness.py with g++ against the
// tensorflow wheel that is installed (its headers and libtensorflow_*.so.2).
// What it reproduces of tensorflow/serving (read from its source, not
// copied):
//   * load: tensorflow::LoadSavedModel with the "serve" tag (Session,
//     variables restored through the SaverDef), after TF_LoadLibrary on the
//     custom op libraries the server links (tensorflow-text's);
//   * beyond the server: every op of the graph and of its functions is
//     looked up in the op registry (TensorFlow's and the loaded libraries'),
//     so an op the server lacks fails here, not at its first request;
//   * warm-up: every PredictLog record of assets.extra/
//     tf_serving_warmup_requests is replayed, at most 1000, and any failure
//     fails the load (servables/tensorflow/saved_model_warmup_util.cc);
//   * Predict: signature lookup, the input-count rule, request binding with
//     tensorflow::saved_model::GetInputValues (omitted inputs take the
//     SignatureDef defaults, as gRPC Predict does), the output filter,
//     Session::Run and AsProtoField (servables/tensorflow/predict_util.cc);
//   * --batching: what --enable_batching adds (batching/batching_session.cc):
//     every input at least 1-D with one 0th-dimension size, the requests to
//     one signature concatenated along dimension 0 into one Session::Run
//     (as if they arrived together), every output's dimension 0 equal to
//     the merged batch size, split back per request. --batch_from N does
//     that for the requests from the N-th on, after running the first N
//     one by one (both in one load).
//
// Usage:
//   serving_harness --saved_model DIR [--op_library LIB.so]...
//       [--requests IN.tfrecord --responses OUT.tfrecord]
//       [--batching | --batch_from N] [--no_warmup]
// IN holds tensorflow.serving.PredictionLog records with a predict_log (the
// warm-up file format). OUT gets one record per request: "K" followed by a
// serialized tensorflow.serving.PredictResponse, or "E<code>\t<message>".
// stdout: one JSON line {"loaded": true, "warmup_records": N, ...}.
// Exit codes: 0 ok, 2 usage, 3 load failed, 4 warm-up failed, 5 I/O.

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/map.h"
#include "tensorflow/c/c_api.h"
#include "tensorflow/cc/saved_model/loader.h"
#include "tensorflow/cc/saved_model/util.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/framework/tensor.pb.h"
#include "tensorflow/core/framework/tensor_util.h"
#include "tensorflow/core/lib/io/record_reader.h"
#include "tensorflow/core/lib/io/record_writer.h"
#include "tensorflow/core/platform/env.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"

namespace {

using google::protobuf::io::CodedInputStream;
using tensorflow::Tensor;
using tensorflow::TensorProto;

constexpr int kMaxWarmupRecords = 1000;  // WarmupConsts::kMaxNumRecords

// The fields of a tensorflow.serving.PredictRequest that Predict reads.
struct Request {
  std::string model_name;
  std::string signature_name;
  google::protobuf::Map<std::string, TensorProto> inputs;
  std::vector<std::string> output_filter;
};

// Calls fn(field_number, bytes) for every length-delimited field of a
// serialized message and skips the others. The serving protos are not in
// the wheel, so the few fields needed are read from the wire format.
template <typename Fn>
bool ForEachBytesField(const std::string& data, Fn fn) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(data.data()),
                      static_cast<int>(data.size()));
  in.SetTotalBytesLimit(INT32_MAX);
  while (true) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return in.ConsumedEntireMessage();
    const int field = static_cast<int>(tag >> 3);
    switch (tag & 7) {
      case 0: {
        uint64_t ignored;
        if (!in.ReadVarint64(&ignored)) return false;
        break;
      }
      case 1: {
        uint64_t ignored;
        if (!in.ReadLittleEndian64(&ignored)) return false;
        break;
      }
      case 2: {
        uint32_t size;
        std::string bytes;
        if (!in.ReadVarint32(&size) || !in.ReadString(&bytes, size)) {
          return false;
        }
        if (!fn(field, bytes)) return false;
        break;
      }
      case 5: {
        uint32_t ignored;
        if (!in.ReadLittleEndian32(&ignored)) return false;
        break;
      }
      default:
        return false;
    }
  }
}

bool ParseRequest(const std::string& data, Request* request) {
  return ForEachBytesField(data, [&](int field, const std::string& bytes) {
    if (field == 1) {  // ModelSpec model_spec
      return ForEachBytesField(bytes, [&](int f, const std::string& b) {
        if (f == 1) request->model_name = b;
        if (f == 3) request->signature_name = b;
        return true;
      });
    }
    if (field == 2) {  // map<string, TensorProto> inputs
      std::string key, value;
      bool ok = ForEachBytesField(bytes, [&](int f, const std::string& b) {
        if (f == 1) key = b;
        if (f == 2) value = b;
        return true;
      });
      return ok && request->inputs[key].ParseFromString(value);
    }
    if (field == 3) request->output_filter.push_back(bytes);
    return true;
  });
}

// PredictionLog.predict_log (field 6) -> PredictLog.request (field 1).
bool ParsePredictionLog(const std::string& data, Request* request,
                        bool* is_predict) {
  *is_predict = false;
  return ForEachBytesField(data, [&](int field, const std::string& log) {
    if (field != 6) return true;
    *is_predict = true;
    return ForEachBytesField(log, [&](int f, const std::string& b) {
      return f != 1 || ParseRequest(b, request);
    });
  });
}

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void AppendBytesField(int field, const std::string& bytes, std::string* out) {
  AppendVarint((static_cast<uint64_t>(field) << 3) | 2, out);
  AppendVarint(bytes.size(), out);
  out->append(bytes);
}

// A PredictResponse holding only `outputs` (field 1, a map).
std::string SerializeResponse(const std::vector<std::string>& aliases,
                              const std::vector<Tensor>& tensors) {
  std::string out;
  for (size_t i = 0; i < aliases.size(); ++i) {
    TensorProto proto;
    tensors[i].AsProtoField(&proto);  // as Predict answers (kAsProtoField)
    std::string entry;
    AppendBytesField(1, aliases[i], &entry);
    AppendBytesField(2, proto.SerializeAsString(), &entry);
    AppendBytesField(1, entry, &out);
  }
  return out;
}

std::string Join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// Predict's checks and request binding, up to the Session::Run call.
absl::Status Prepare(const tensorflow::MetaGraphDef& graph,
                     const Request& request,
                     std::vector<std::pair<std::string, Tensor>>* inputs,
                     std::vector<std::string>* names,
                     std::vector<std::string>* aliases) {
  const std::string key = request.signature_name.empty()
                              ? "serving_default"
                              : request.signature_name;
  auto it = graph.signature_def().find(key);
  if (it == graph.signature_def().end()) {
    return absl::FailedPreconditionError("Serving signature key \"" + key +
                                         "\" not found.");
  }
  const tensorflow::SignatureDef& signature = it->second;
  const int sent = request.inputs.size();
  const int wanted = signature.inputs().size();
  if (sent > wanted || (sent < wanted && signature.defaults().empty())) {
    std::set<std::string> sent_keys, wanted_keys, extra, missing;
    for (const auto& kv : request.inputs) sent_keys.insert(kv.first);
    for (const auto& kv : signature.inputs()) wanted_keys.insert(kv.first);
    for (const auto& k : sent_keys)
      if (!wanted_keys.count(k)) extra.insert(k);
    for (const auto& k : wanted_keys)
      if (!sent_keys.count(k)) missing.insert(k);
    return absl::InvalidArgumentError(
        "input size does not match signature: " + std::to_string(sent) +
        "!=" + std::to_string(wanted) + ". Sent extra: {" + Join(extra) +
        "}. Missing but required: {" + Join(missing) + "}.");
  }
  absl::Status status =
      tensorflow::saved_model::GetInputValues(signature, request.inputs,
                                              *inputs);
  if (!status.ok()) return status;
  std::set<std::string> seen;
  for (const auto& alias : request.output_filter) {
    auto out = signature.outputs().find(alias);
    if (out == signature.outputs().end()) {
      return absl::InvalidArgumentError(
          "output tensor alias not found in signature: " + alias);
    }
    if (!seen.insert(alias).second) {
      return absl::InvalidArgumentError("duplicate output tensor alias: " +
                                        alias);
    }
    names->push_back(out->second.name());
    aliases->push_back(alias);
  }
  if (names->empty()) {
    for (const auto& out : signature.outputs()) {
      names->push_back(out.second.name());
      aliases->push_back(out.first);
    }
  }
  return absl::OkStatus();
}

absl::Status RunPredict(tensorflow::SavedModelBundle* bundle,
                        const Request& request, std::string* response) {
  std::vector<std::pair<std::string, Tensor>> inputs;
  std::vector<std::string> names, aliases;
  absl::Status status =
      Prepare(bundle->meta_graph_def, request, &inputs, &names, &aliases);
  if (!status.ok()) return status;
  std::vector<Tensor> outputs;
  status = bundle->session->Run(inputs, names, {}, &outputs);
  if (!status.ok()) return status;
  *response = SerializeResponse(aliases, outputs);
  return absl::OkStatus();
}

// --batching: BatchingSession's per-task size rule.
absl::Status BatchSize(const std::vector<std::pair<std::string, Tensor>>& in,
                       int64_t* size) {
  if (in.empty()) {
    return absl::InvalidArgumentError(
        "Batching session Run() must have at least one input tensor");
  }
  *size = -1;
  for (const auto& entry : in) {
    if (entry.second.dims() == 0) {
      return absl::InvalidArgumentError(
          "Batching session Run() input tensors must have at least one "
          "dimension");
    }
    const int64_t this_size = entry.second.dim_size(0);
    if (*size >= 0 && this_size != *size) {
      return absl::InvalidArgumentError(
          "Batching session Run() input tensors must have equal "
          "0th-dimension size");
    }
    *size = this_size;
  }
  return absl::OkStatus();
}

// Runs the requests as one merged batch, as the batcher does with requests
// to one signature that arrive together. A request that fails the per-task
// checks gets its own error (its Run() call fails before it is queued); the
// others are merged. All must name the same inputs and outputs.
std::vector<std::pair<absl::Status, std::string>> RunBatched(
    tensorflow::SavedModelBundle* bundle, const std::vector<Request>& requests) {
  const size_t n = requests.size();
  std::vector<std::pair<absl::Status, std::string>> results(n);
  std::vector<std::vector<std::pair<std::string, Tensor>>> inputs(n);
  std::vector<size_t> queued;
  std::vector<int64_t> sizes;
  std::vector<std::string> names, aliases;
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::string> task_names, task_aliases;
    int64_t size = 0;
    absl::Status status = Prepare(bundle->meta_graph_def, requests[i],
                                  &inputs[i], &task_names, &task_aliases);
    if (status.ok()) status = BatchSize(inputs[i], &size);
    if (status.ok() && !queued.empty() &&
        (task_names != names || inputs[i].size() != inputs[queued[0]].size())) {
      status = absl::InvalidArgumentError(
          "harness: requests batched together must bind the same inputs "
          "and outputs");
    }
    if (!status.ok()) {
      results[i].first = status;
      continue;
    }
    if (queued.empty()) {
      names = task_names;
      aliases = task_aliases;
    }
    queued.push_back(i);
    sizes.push_back(size);
  }
  if (queued.empty()) return results;
  absl::Status failed;
  std::vector<std::pair<std::string, Tensor>> merged;
  for (size_t k = 0; failed.ok() && k < inputs[queued[0]].size(); ++k) {
    const std::string& name = inputs[queued[0]][k].first;
    std::vector<Tensor> parts;
    for (size_t i : queued) {
      if (inputs[i][k].first != name) {
        failed = absl::InvalidArgumentError(
            "harness: requests batched together must bind the same inputs");
        break;
      }
      parts.push_back(inputs[i][k].second);
    }
    Tensor joined;
    if (failed.ok()) failed = tensorflow::tensor::Concat(parts, &joined);
    merged.emplace_back(name, joined);
  }
  std::vector<Tensor> outputs;
  if (failed.ok()) failed = bundle->session->Run(merged, names, {}, &outputs);
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  std::vector<std::vector<Tensor>> split(outputs.size());
  for (size_t k = 0; failed.ok() && k < outputs.size(); ++k) {
    if (outputs[k].dims() == 0) {
      failed = absl::FailedPreconditionError(
          "Batched output tensor has 0 dimensions");
    } else if (outputs[k].dim_size(0) != total) {
      failed = absl::FailedPreconditionError(
          "Batched output tensor's 0th dimension does not equal the sum of "
          "the 0th dimension sizes of the input tensors");
    } else {
      failed = tensorflow::tensor::Split(outputs[k], sizes, &split[k]);
    }
  }
  for (size_t j = 0; j < queued.size(); ++j) {
    if (!failed.ok()) {
      results[queued[j]].first = failed;
      continue;
    }
    std::vector<Tensor> mine;
    for (auto& parts : split) mine.push_back(parts[j]);
    results[queued[j]].second = SerializeResponse(aliases, mine);
  }
  return results;
}

bool ReadRecords(const std::string& path, std::vector<std::string>* records,
                 std::string* error) {
  std::unique_ptr<tensorflow::RandomAccessFile> file;
  absl::Status status =
      tensorflow::Env::Default()->NewRandomAccessFile(path, &file);
  if (!status.ok()) {
    *error = status.ToString();
    return false;
  }
  tensorflow::io::RecordReader reader(file.get());
  uint64_t offset = 0;
  tensorflow::tstring record;
  while (true) {
    status = reader.ReadRecord(&offset, &record);
    if (absl::IsOutOfRange(status)) return true;
    if (!status.ok()) {
      *error = status.ToString();
      return false;
    }
    records->emplace_back(record);
  }
}

std::string JsonEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

int Fail(int code, const std::string& what, const absl::Status& status) {
  std::cout << "{\"loaded\": " << (code == 4 ? "true" : "false")
            << ", \"error\": \"" << JsonEscape(what + ": " + status.ToString())
            << "\"}" << std::endl;
  return code;
}

// The process's resident memory now (MB), from /proc/self/statm; -1
// where that file is missing.
double CurrentRssMb() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  if (!(statm >> size >> resident)) return -1;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 20);
}

// The peak resident memory of this process image: VmHWM, the high-water
// mark of its own address space. Not getrusage's ru_maxrss, which Linux
// keeps across execve: a harness started by a Python process that had
// imported TensorFlow (700+ MB) would report at least that parent's size.
double PeakRssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stod(line.substr(6)) / 1024.0;  // "VmHWM:  123456 kB"
    }
  }
  struct rusage usage;  // no /proc: the inherited measure is all there is
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string saved_model, requests_path, responses_path;
  std::vector<std::string> op_libraries;
  // Requests from index batch_from on are merged as the batcher would.
  size_t batch_from = static_cast<size_t>(-1);
  bool warmup = true;
  // The model server's --tensorflow_inter_op_parallelism and
  // --tensorflow_intra_op_parallelism (0: TensorFlow picks, the default).
  int inter_op_threads = 0, intra_op_threads = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--saved_model" && has_value) {
      saved_model = argv[++i];
    } else if (arg == "--op_library" && has_value) {
      op_libraries.push_back(argv[++i]);
    } else if (arg == "--requests" && has_value) {
      requests_path = argv[++i];
    } else if (arg == "--responses" && has_value) {
      responses_path = argv[++i];
    } else if (arg == "--batching") {
      batch_from = 0;
    } else if (arg == "--batch_from" && has_value) {
      batch_from = std::stoul(argv[++i]);
    } else if (arg == "--no_warmup") {
      warmup = false;
    } else if (arg == "--inter_op_threads" && has_value) {
      inter_op_threads = std::stoi(argv[++i]);
    } else if (arg == "--intra_op_threads" && has_value) {
      intra_op_threads = std::stoi(argv[++i]);
    } else {
      std::cerr << "serving_harness: unknown or incomplete argument " << arg
                << "\n";
      return 2;
    }
  }
  if (saved_model.empty() || requests_path.empty() != responses_path.empty()) {
    std::cerr << "usage: serving_harness --saved_model DIR [--op_library SO]"
                 "... [--requests IN --responses OUT] [--batching | --batch_from N]"
                 " [--no_warmup] [--inter_op_threads N] [--intra_op_threads N]\n";
    return 2;
  }
  for (const auto& library : op_libraries) {
    TF_Status* status = TF_NewStatus();
    TF_LoadLibrary(library.c_str(), status);
    if (TF_GetCode(status) != TF_OK) {
      const std::string message = TF_Message(status);
      TF_DeleteStatus(status);
      return Fail(3, "TF_LoadLibrary(" + library + ")",
                  absl::InternalError(message));
    }
    TF_DeleteStatus(status);
  }

  const double rss_start = CurrentRssMb();
  tensorflow::SavedModelBundle bundle;
  tensorflow::SessionOptions session_options;
  session_options.config.set_inter_op_parallelism_threads(inter_op_threads);
  session_options.config.set_intra_op_parallelism_threads(intra_op_threads);
  tensorflow::RunOptions run_options;
  absl::Status status = tensorflow::LoadSavedModel(
      session_options, run_options, saved_model, {"serve"}, &bundle);
  if (!status.ok()) return Fail(3, "LoadSavedModel", status);
  const double rss_loaded = CurrentRssMb();

  // Ops in the graph's functions are looked up only when a function runs;
  // an op this server lacks would fail its first request, so say it now.
  std::set<std::string> unregistered;
  auto check_op = [&unregistered](const std::string& op) {
    const tensorflow::OpRegistrationData* data = nullptr;
    if (!tensorflow::OpRegistry::Global()->LookUp(op, &data).ok()) {
      unregistered.insert(op);
    }
  };
  const auto& graph = bundle.meta_graph_def.graph_def();
  for (const auto& node : graph.node()) check_op(node.op());
  for (const auto& function : graph.library().function()) {
    for (const auto& node : function.node_def()) check_op(node.op());
  }
  if (!unregistered.empty()) {
    std::string names;
    for (const auto& op : unregistered) {
      names += (names.empty() ? "" : ", ") + op;
    }
    return Fail(3, "op registry", absl::NotFoundError(
                                      "ops not registered by TensorFlow or "
                                      "the loaded op libraries: " + names));
  }

  int warmup_records = 0;
  const std::string warmup_path =
      saved_model + "/assets.extra/tf_serving_warmup_requests";
  if (warmup && tensorflow::Env::Default()->FileExists(warmup_path).ok()) {
    std::vector<std::string> records;
    std::string error;
    if (!ReadRecords(warmup_path, &records, &error)) {
      return Fail(4, "warm-up file", absl::DataLossError(error));
    }
    if (records.size() > kMaxWarmupRecords) {
      return Fail(4, "warm-up", absl::InvalidArgumentError(
                                    "Number of warmup records exceeds the "
                                    "maximum (1000)"));
    }
    for (const auto& record : records) {
      Request request;
      bool is_predict;
      if (!ParsePredictionLog(record, &request, &is_predict)) {
        return Fail(4, "warm-up", absl::DataLossError("bad PredictionLog"));
      }
      if (!is_predict) continue;
      std::string ignored;
      status = RunPredict(&bundle, request, &ignored);
      if (!status.ok()) {
        return Fail(4, "warm-up record " + std::to_string(warmup_records),
                    status);
      }
      ++warmup_records;
    }
  }

  const double rss_warm = CurrentRssMb();
  int answered = 0, refused = 0;
  std::vector<double> run_ms, run_rss_mb;
  if (!requests_path.empty()) {
    std::vector<std::string> records;
    std::string error;
    if (!ReadRecords(requests_path, &records, &error)) {
      std::cerr << "serving_harness: " << error << "\n";
      return 5;
    }
    std::vector<Request> requests(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      bool is_predict;
      if (!ParsePredictionLog(records[i], &requests[i], &is_predict) ||
          !is_predict) {
        std::cerr << "serving_harness: record " << i
                  << " is not a PredictionLog with a predict_log\n";
        return 5;
      }
    }
    std::vector<std::pair<absl::Status, std::string>> results(
        requests.size());
    // Requests before batch_from run one by one; the rest are merged, one
    // batch per signature (the batcher keeps one queue per signature).
    std::map<std::string, std::vector<size_t>> groups;
    for (size_t i = 0; i < requests.size(); ++i) {
      if (i < batch_from) {
        std::string response;
        auto start = std::chrono::steady_clock::now();
        absl::Status run = RunPredict(&bundle, requests[i], &response);
        run_ms.push_back(std::chrono::duration<double, std::milli>(
                             std::chrono::steady_clock::now() - start)
                             .count());
        run_rss_mb.push_back(CurrentRssMb());
        results[i] = {run, response};
      } else {
        groups[requests[i].signature_name].push_back(i);
      }
    }
    for (const auto& group : groups) {
      std::vector<Request> batch;
      for (size_t i : group.second) batch.push_back(requests[i]);
      auto answers = RunBatched(&bundle, batch);
      for (size_t j = 0; j < group.second.size(); ++j) {
        results[group.second[j]] = answers[j];
      }
    }
    std::unique_ptr<tensorflow::WritableFile> file;
    status = tensorflow::Env::Default()->NewWritableFile(responses_path, &file);
    if (!status.ok()) {
      std::cerr << "serving_harness: " << status.ToString() << "\n";
      return 5;
    }
    tensorflow::io::RecordWriter writer(file.get());
    for (const auto& result : results) {
      std::string record;
      if (result.first.ok()) {
        record = "K" + result.second;
        ++answered;
      } else {
        record = "E" + std::to_string(static_cast<int>(result.first.code())) +
                 "\t" + std::string(result.first.message());
        ++refused;
      }
      status = writer.WriteRecord(record);
      if (!status.ok()) break;
    }
    if (status.ok()) status = writer.Close();
    if (status.ok()) status = file->Close();
    if (!status.ok()) {
      std::cerr << "serving_harness: " << status.ToString() << "\n";
      return 5;
    }
  }
  std::cout << "{\"loaded\": true, \"warmup_records\": " << warmup_records
            << ", \"answered\": " << answered << ", \"refused\": " << refused
            << ", \"signatures\": [";
  bool first = true;
  for (const auto& kv : bundle.meta_graph_def.signature_def()) {
    std::cout << (first ? "" : ", ") << "\"" << JsonEscape(kv.first) << "\"";
    first = false;
  }
  // Each one-by-one request's Session::Run with its binding (ms), and the
  // process's peak resident memory: what a benchmark of the serving path
  // reads (benchmarks/serve_cpp.py).
  std::cout << "], \"run_ms\": [";
  for (size_t i = 0; i < run_ms.size(); ++i) {
    std::cout << (i ? ", " : "") << run_ms[i];
  }
  // Resident memory after each of those requests: how it grows.
  std::cout << "], \"run_rss_mb\": [";
  for (size_t i = 0; i < run_rss_mb.size(); ++i) {
    std::cout << (i ? ", " : "") << run_rss_mb[i];
  }
  std::cout << "], \"peak_rss_mb\": " << PeakRssMb()
            << ", \"rss_mb\": {\"start\": " << rss_start
            << ", \"loaded\": " << rss_loaded << ", \"warm\": " << rss_warm
            << ", \"end\": " << CurrentRssMb() << "}}" << std::endl;
  return 0;
}
