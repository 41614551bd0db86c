//! `ChainFiles::load` reads a folder of chain files (the pyspec reference chains, and a
//! devnet that crosses into Fulu written in the same layout) into a segment the verifier
//! accepts whole, and turns every malformed folder into a typed error naming the file.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use consensus::devnet::{Devnet, DevnetParams, SlotPlan, seed_from_u64};
use consensus::files::{ChainFiles, ChainFilesError};
use consensus::{ChainConfig, ChainVerifier, Column, Fork};
use support::{PYSPEC_FORKS, assert_all_ok, number, pyspec_blocks, root, text, vectors};

#[test]
fn every_pyspec_folder_loads_and_verifies_whole() {
    for (name, fork) in PYSPEC_FORKS {
        let files = ChainFiles::load(vectors().join("pyspec").join(name)).expect(name);
        let expected = support::json(&format!("pyspec/{name}/expected.json"));
        let genesis_time =
            number(&support::json(&format!("pyspec/{name}/config.json"))["genesis_time"]);
        let gvr = root(&text(&expected["genesis_validators_root"]));
        assert_eq!(
            files.config,
            ChainConfig::devnet(fork, genesis_time, gvr),
            "{name}"
        );
        assert_eq!(files.pubkeys.len(), 64, "{name}");
        let genesis_root = root(&text(&expected["genesis_block_root"]));
        assert_eq!(files.genesis.root(), genesis_root, "{name}");
        let entries = pyspec_blocks(&expected);
        assert_eq!(files.blocks.len(), 16, "{name}");
        assert_eq!(entries.len(), 16, "{name}");
        for (data, entry) in files.blocks.iter().zip(&entries) {
            let slot = number(&entry["slot"]);
            assert_eq!(data.block.signed().slot(), slot, "{name}");
            assert_eq!(data.block.signed().fork(), fork, "{name} {slot}");
            assert_eq!(
                data.block.root(),
                root(&text(&entry["block_root"])),
                "{name} {slot}"
            );
            let count = |key: &str| entry[key].as_array().map_or(0, Vec::len);
            if fork.has_data_columns() {
                assert!(data.sidecars.is_none(), "{name} {slot}");
                let columns = data.columns.as_ref().expect("Fulu blocks have columns");
                assert_eq!(columns.len(), count("columns"), "{name} {slot}");
                let indices: Vec<u64> = columns.iter().map(|c| c.sidecar().index).collect();
                assert!(indices.is_sorted(), "{name} {slot}");
            } else {
                assert!(data.columns.is_none(), "{name} {slot}");
                let sidecars = data.sidecars.as_ref().expect("blob sidecars");
                assert_eq!(sidecars.len(), count("sidecars"), "{name} {slot}");
                let indices: Vec<u64> = sidecars.iter().map(|s| s.sidecar().index).collect();
                assert_eq!(indices, (0..count("sidecars") as u64).collect::<Vec<_>>());
            }
        }
        let head = files.head();
        assert_eq!(
            head.signed().slot(),
            number(&expected["head"]["slot"]),
            "{name}"
        );
        assert_eq!(
            head.root(),
            root(&text(&expected["head"]["block_root"])),
            "{name}"
        );
        assert_all_ok(&files.verifier(), &files.blocks, name);
        // Backward from the head down to the genesis block.
        let backward = ChainVerifier::new(
            files.config.clone(),
            files.proposers(),
            files.backward_anchor(),
            (),
        );
        let mut descending = files.blocks.clone();
        descending.reverse();
        assert_all_ok(&backward, &descending, name);
        assert_eq!(
            backward.anchor(),
            consensus::verify::Anchor::Parent {
                root: genesis_root,
                child_slot: 1
            }
        );
    }
}

/// A chain folder under the system's temp folder, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(tag: &str) -> Folder {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("chain-files-{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp folder");
        Folder(path)
    }

    /// A folder with the first blocks of a pyspec chain (slots 1 and 2, one blob at 1).
    fn pyspec(tag: &str, name: &str) -> Folder {
        let folder = Folder::new(tag);
        let data = if name == "fulu" {
            vec!["columns/1_0.ssz", "columns/1_35.ssz"]
        } else {
            vec!["sidecars/1_0.ssz"]
        };
        for file in [
            "genesis_state.ssz.gz",
            "genesis_block.ssz",
            "blocks/1.ssz",
            "blocks/2.ssz",
        ]
        .into_iter()
        .chain(data)
        {
            folder.write(file, &support::read(&format!("pyspec/{name}/{file}")));
        }
        folder
    }

    fn write(&self, relative: &str, bytes: &[u8]) {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folder");
        std::fs::write(path, bytes).expect("write");
    }

    fn write_gz(&self, relative: &str, bytes: &[u8]) {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).expect("gzip");
        self.write(relative, &encoder.finish().expect("gzip"));
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }

    fn remove(&self, relative: &str) {
        std::fs::remove_file(self.0.join(relative)).expect("remove");
    }

    fn load(&self) -> Result<ChainFiles, ChainFilesError> {
        ChainFiles::load(&self.0)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The error of loading `folder`, whose message must name `file`.
#[track_caller]
fn error_naming(folder: &Folder, file: &Path) -> ChainFilesError {
    let error = folder.load().expect_err("a malformed folder");
    let message = error.to_string();
    assert!(message.contains(&file.display().to_string()), "{message}");
    assert!(!message.contains('\n'), "{message}");
    error
}

#[test]
fn a_partial_folder_loads_and_its_blocks_verify() {
    for name in ["deneb", "fulu"] {
        let folder = Folder::pyspec("partial", name);
        let files = folder.load().expect(name);
        assert_eq!(files.blocks.len(), 2);
        assert_all_ok(&files.verifier(), &files.blocks, name);
    }
}

#[test]
fn malformed_folders_are_typed_errors_naming_the_file() {
    let folder = Folder::pyspec("malformed", "deneb");
    let block = support::read("pyspec/deneb/blocks/2.ssz");

    folder.write("blocks/2.ssz", &block[..block.len() / 2]);
    let error = error_naming(&folder, &folder.path("blocks/2.ssz"));
    assert!(
        matches!(
            error,
            ChainFilesError::Block {
                fork: Fork::Deneb,
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("not a SignedBeaconBlock of deneb"),
        "{error}"
    );
    folder.write("blocks/2.ssz", &block);

    for garbage in [
        "blocks/two.ssz",
        "blocks/2.json",
        "sidecars/1.ssz",
        "columns/1-0.ssz",
    ] {
        folder.write(garbage, b"x");
        let error = error_naming(&folder, &folder.path(garbage));
        assert!(
            matches!(error, ChainFilesError::BadFileName { .. }),
            "{error}"
        );
        folder.remove(garbage);
    }
    // Hidden files are skipped.
    folder.write("blocks/.DS_Store", b"x");

    folder.write(
        "sidecars/3_0.ssz",
        &support::read("pyspec/deneb/sidecars/1_0.ssz"),
    );
    let error = error_naming(&folder, &folder.path("sidecars/3_0.ssz"));
    assert!(
        matches!(error, ChainFilesError::Orphan { slot: 3, .. }),
        "{error}"
    );
    folder.remove("sidecars/3_0.ssz");

    folder.write(
        "sidecars/1_1.ssz",
        &support::read("pyspec/deneb/sidecars/1_0.ssz"),
    );
    let error = error_naming(&folder, &folder.path("sidecars/1_1.ssz"));
    assert!(
        matches!(
            error,
            ChainFilesError::NameMismatch {
                field: "index",
                named: 1,
                found: 0,
                ..
            }
        ),
        "{error}"
    );
    folder.remove("sidecars/1_1.ssz");

    folder.write("blocks/3.ssz", &block);
    let error = error_naming(&folder, &folder.path("blocks/3.ssz"));
    assert!(
        matches!(
            error,
            ChainFilesError::NameMismatch {
                field: "slot",
                named: 3,
                found: 2,
                ..
            }
        ),
        "{error}"
    );
    folder.remove("blocks/3.ssz");

    folder.write_gz("blocks/2.ssz.gz", &block);
    let error = folder.load().expect_err("two files for slot 2");
    assert!(
        matches!(error, ChainFilesError::Duplicate { .. }),
        "{error}"
    );
    folder.remove("blocks/2.ssz");
    assert_eq!(folder.load().expect("a gzip block").blocks.len(), 2);

    folder.write("blocks/2.ssz.gz", &block);
    let error = error_naming(&folder, &folder.path("blocks/2.ssz.gz"));
    assert!(matches!(error, ChainFilesError::Gzip { .. }), "{error}");
    folder.write("blocks/2.ssz", &block);
    folder.remove("blocks/2.ssz.gz");

    folder.write(
        "columns/1_0.ssz",
        &support::read("pyspec/fulu/columns/1_0.ssz"),
    );
    let error = error_naming(&folder, &folder.path("columns/1_0.ssz"));
    assert!(
        matches!(
            error,
            ChainFilesError::WrongDataKind {
                fork: Fork::Deneb,
                ..
            }
        ),
        "{error}"
    );
    folder.remove("columns/1_0.ssz");

    folder.write(
        "genesis_block.ssz",
        &support::read("pyspec/electra/genesis_block.ssz"),
    );
    let error = error_naming(&folder, &folder.path("genesis_block.ssz"));
    assert!(
        matches!(
            error,
            ChainFilesError::Block { .. } | ChainFilesError::GenesisMismatch { .. }
        ),
        "{error}"
    );
    // Without a genesis block file, the block is rebuilt from the state.
    folder.remove("genesis_block.ssz");
    let files = folder.load().expect("a rebuilt genesis block");
    assert_eq!(
        files.genesis.root(),
        root(&text(
            &support::json("pyspec/deneb/expected.json")["genesis_block_root"]
        ))
    );

    folder.write(
        "config.yaml",
        ChainConfig::devnet(Fork::Electra, 0, Default::default())
            .to_config_yaml()
            .as_bytes(),
    );
    let error = error_naming(&folder, &folder.path("genesis_state.ssz.gz"));
    assert!(
        matches!(
            error,
            ChainFilesError::ForkMismatch {
                fork: Fork::Electra,
                ..
            }
        ),
        "{error}"
    );
    folder.write("config.yaml", b"PRESET_BASE: 'minimal'\n");
    let error = error_naming(&folder, &folder.path("config.yaml"));
    assert!(matches!(error, ChainFilesError::Config { .. }), "{error}");
    folder.remove("config.yaml");

    folder.write("genesis_state.ssz.gz", b"not gzip");
    let error = error_naming(&folder, &folder.path("genesis_state.ssz.gz"));
    assert!(matches!(error, ChainFilesError::Gzip { .. }), "{error}");
    folder.write("genesis_state.ssz", &[0; 100]);
    folder.remove("genesis_state.ssz.gz");
    let error = error_naming(&folder, &folder.path("genesis_state.ssz"));
    assert!(matches!(error, ChainFilesError::State { .. }), "{error}");
    folder.remove("genesis_state.ssz");
    let error = error_naming(&folder, &folder.0);
    assert!(
        matches!(error, ChainFilesError::NoGenesisState { .. }),
        "{error}"
    );
    let error = ChainFiles::load(folder.path("no such folder")).expect_err("nothing there");
    assert!(
        matches!(error, ChainFilesError::NoGenesisState { .. }),
        "{error}"
    );
}

/// An Electra devnet that turns Fulu at epoch 1, written with its `config.yaml`, the
/// state as `genesis.ssz`, no genesis block file, and some blocks gzipped.
#[test]
fn a_folder_with_config_yaml_decodes_each_block_with_the_fork_of_its_slot() {
    let plan = (1..=40).map(|slot| match slot % 4 {
        0 => SlotPlan::Empty,
        1 => SlotPlan::Block { blobs: 1 },
        _ => SlotPlan::Block { blobs: 0 },
    });
    let params = DevnetParams {
        seed: seed_from_u64(7),
        genesis_fork: Fork::Electra,
        later_forks: vec![(Fork::Fulu, 1)],
        blob_pool: 1,
        slot_plan: Some(plan.collect()),
        ..DevnetParams::default()
    };
    let devnet = Devnet::generate(params).expect("a devnet");
    let folder = Folder::new("devnet");
    folder.write("config.yaml", devnet.config().to_config_yaml().as_bytes());
    folder.write("genesis.ssz", devnet.genesis_state_ssz());
    for (index, block) in devnet.blocks().iter().enumerate() {
        let slot = block.signed().slot();
        if slot % 2 == 0 {
            folder.write_gz(
                &format!("blocks/{slot}.ssz.gz"),
                &block.signed().as_ssz_bytes(),
            );
        } else {
            folder.write(
                &format!("blocks/{slot}.ssz"),
                &block.signed().as_ssz_bytes(),
            );
        }
        for sidecar in devnet.sidecars_for(index).unwrap_or_default() {
            let blob = sidecar.sidecar().index;
            folder.write(
                &format!("sidecars/{slot}_{blob}.ssz"),
                &sidecar.as_ssz_bytes(),
            );
        }
        if slot >= 32 {
            for column in devnet.data_columns_at(index, &[64, 3]).expect("columns") {
                let column = Column::new(column);
                let at = column.sidecar().index;
                folder.write(&format!("columns/{slot}_{at}.ssz"), &column.as_ssz_bytes());
            }
        }
    }
    let files = folder.load().expect("the devnet folder");
    assert_eq!(files.config, *devnet.config());
    assert_eq!(files.genesis.root(), devnet.genesis_block().root());
    assert_eq!(files.blocks.len(), devnet.blocks().len());
    for (data, block) in files.blocks.iter().zip(devnet.blocks()) {
        let slot = block.signed().slot();
        assert_eq!(data.block.root(), block.root(), "slot {slot}");
        let fork = if slot >= 32 {
            Fork::Fulu
        } else {
            Fork::Electra
        };
        assert_eq!(data.block.signed().fork(), fork, "slot {slot}");
        let blobs = data.block.signed().blob_kzg_commitments().len();
        if fork == Fork::Fulu {
            let columns: Vec<u64> = data
                .columns
                .as_ref()
                .expect("columns")
                .iter()
                .map(|c| c.sidecar().index)
                .collect();
            assert_eq!(
                columns,
                if blobs > 0 { vec![3, 64] } else { vec![] },
                "slot {slot}"
            );
            assert!(data.sidecars.is_none());
        } else {
            assert_eq!(
                data.sidecars.as_ref().map(Vec::len),
                Some(blobs),
                "slot {slot}"
            );
            assert!(data.columns.is_none());
        }
    }
    assert_all_ok(&files.verifier(), &files.blocks, "devnet");
}
