-- A model version as the look-up explains it: its training window, its input names
-- in split order and its tree (JSON), read once per version into memory.
select train_from, train_to, features, tree
from model_versions
where version = ?
