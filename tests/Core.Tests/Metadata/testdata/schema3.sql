-- A metadata database of schema 3 as the library wrote it (sqlite3 .dump), for the migration test: vm:a and vm:b
-- have identical files, vm:c one file changed, other:1 one file; vm:d is pending; lease 1 (owner 'live') pins
-- two digests and vm:c, lease 2 (owner 'gone') one digest and vm:a.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    state INTEGER NOT NULL,
    created_ns INTEGER NOT NULL,
    last_used_ns INTEGER NOT NULL,
    owner TEXT,
    UNIQUE (name, version)
);
INSERT INTO snapshots VALUES(1,'vm','a',1,1796300646741691600,1796300646741691600,NULL);
INSERT INTO snapshots VALUES(2,'vm','b',1,1796300646787091800,1796300646787091800,NULL);
INSERT INTO snapshots VALUES(3,'vm','c',1,1796300646820303500,1796300646820303500,NULL);
INSERT INTO snapshots VALUES(4,'other','1',1,1796300646849857100,1796300646849857100,NULL);
INSERT INTO snapshots VALUES(5,'vm','d',0,1796300646900000000,1796300646900000000,'live');
CREATE TABLE content (
    digest TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    encoded_size INTEGER NOT NULL,
    created_ns INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO content VALUES('xxh3:28d5d6257474140c',5000,5036,1796300646741691600);
INSERT INTO content VALUES('xxh3:29bf21d2b64862f8',12,48,1796300646820303500);
INSERT INTO content VALUES('xxh3:50d6615c4b0048f2',10,46,1796300646741691600);
INSERT INTO content VALUES('xxh3:bb780dbe8a349bd3',6,42,1796300646741691600);
CREATE TABLE files (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    relative_path TEXT NOT NULL,
    digest TEXT NOT NULL REFERENCES content (digest),
    read_only INTEGER NOT NULL,
    mode INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    mtime_offset_s INTEGER NOT NULL,
    typeflag INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, relative_path)
) WITHOUT ROWID;
INSERT INTO files VALUES(1,'dir/y.txt','xxh3:bb780dbe8a349bd3',0,416,0,0,6,1793527200123456789,0,0);
INSERT INTO files VALUES(1,'dir/z.bin','xxh3:28d5d6257474140c',1,420,0,0,5000,1793527200123456789,0,0);
INSERT INTO files VALUES(1,'x.txt','xxh3:50d6615c4b0048f2',0,420,0,0,10,1793527200123456789,0,0);
INSERT INTO files VALUES(2,'dir/y.txt','xxh3:bb780dbe8a349bd3',0,416,0,0,6,1793527200123456789,0,0);
INSERT INTO files VALUES(2,'dir/z.bin','xxh3:28d5d6257474140c',1,420,0,0,5000,1793527200123456789,0,0);
INSERT INTO files VALUES(2,'x.txt','xxh3:50d6615c4b0048f2',0,420,0,0,10,1793527200123456789,0,0);
INSERT INTO files VALUES(3,'dir/y.txt','xxh3:29bf21d2b64862f8',0,416,0,0,12,1793613600000000000,0,0);
INSERT INTO files VALUES(3,'dir/z.bin','xxh3:28d5d6257474140c',1,420,0,0,5000,1793527200123456789,0,0);
INSERT INTO files VALUES(3,'x.txt','xxh3:50d6615c4b0048f2',0,420,0,0,10,1793527200123456789,0,0);
INSERT INTO files VALUES(4,'x.txt','xxh3:50d6615c4b0048f2',0,420,0,0,10,1793527200123456789,0,0);
CREATE TABLE published (
    digest TEXT NOT NULL,
    location TEXT NOT NULL,
    published_ns INTEGER NOT NULL,
    PRIMARY KEY (digest, location)
) WITHOUT ROWID;
CREATE TABLE leases (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    purpose TEXT NOT NULL,
    created_ns INTEGER NOT NULL
);
INSERT INTO leases VALUES(1,'live','snapshot vm:d',1796300646900000000);
INSERT INTO leases VALUES(2,'gone','restore vm:a',1796300646900000000);
CREATE TABLE leased_snapshots (
    lease_id INTEGER NOT NULL REFERENCES leases (id) ON DELETE CASCADE,
    snapshot_id INTEGER NOT NULL,
    PRIMARY KEY (lease_id, snapshot_id)
) WITHOUT ROWID;
INSERT INTO leased_snapshots VALUES(2,1);
INSERT INTO leased_snapshots VALUES(1,3);
CREATE TABLE leased_content (
    lease_id INTEGER NOT NULL REFERENCES leases (id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    PRIMARY KEY (lease_id, digest)
) WITHOUT ROWID;
INSERT INTO leased_content VALUES(1,'xxh3:29bf21d2b64862f8');
INSERT INTO leased_content VALUES(2,'xxh3:50d6615c4b0048f2');
INSERT INTO leased_content VALUES(1,'xxh3:bb780dbe8a349bd3');
CREATE TABLE file_identities (
    device INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    mode INTEGER NOT NULL,
    digest TEXT NOT NULL,
    boot TEXT NOT NULL,
    hashed_ns INTEGER NOT NULL,
    used_ns INTEGER NOT NULL,
    PRIMARY KEY (device, inode)
) WITHOUT ROWID;
CREATE INDEX files_by_digest ON files (digest);
CREATE INDEX leases_by_owner ON leases (owner);
CREATE INDEX leased_snapshots_by_snapshot ON leased_snapshots (snapshot_id);
CREATE INDEX leased_content_by_digest ON leased_content (digest);
CREATE INDEX file_identities_by_digest ON file_identities (digest);
COMMIT;
PRAGMA user_version = 3;
