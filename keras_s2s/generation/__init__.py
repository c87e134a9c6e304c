from keras_s2s.generation.beam_search import beam_search
from keras_s2s.generation.greedy_search import greedy_search
from keras_s2s.generation.sampling import filter_logits
from keras_s2s.generation.sampling import sample_search
from keras_s2s.generation.search import search
from keras_s2s.generation.vocabulary_shortlist import VocabularyShortlist
