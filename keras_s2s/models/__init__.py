from keras_s2s.models.model_contract import ModelContract
from keras_s2s.models.model_source import load_model
from keras_s2s.models.seq2seq import Seq2Seq
from keras_s2s.models.truncation_warning import TruncationWarning
