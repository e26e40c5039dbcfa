-- One file of the data dir. Parameters: relative path, contents.
insert into backup.backup_files (path, bytes) values (?, ?)
