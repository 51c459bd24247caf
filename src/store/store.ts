import { AnalysisRepository } from './analysis-repository.js';
import { AssetRepository } from './asset-repository.js';
import { openDatabase, type Db } from './database.js';
import { FaceRepository } from './face-repository.js';
import { JobRepository } from './job-repository.js';
import { LibraryRepository } from './library-repository.js';
import { RecognitionRepository } from './recognition-repository.js';

/** The embedded store: one SQLite database and the repositories over it. */
export class Store {
  readonly libraries: LibraryRepository;
  readonly assets: AssetRepository;
  readonly jobs: JobRepository;
  readonly analysis: AnalysisRepository;
  readonly recognition: RecognitionRepository;
  readonly faces: FaceRepository;

  constructor(readonly db: Db) {
    this.libraries = new LibraryRepository(db);
    this.assets = new AssetRepository(db);
    this.jobs = new JobRepository(db);
    this.analysis = new AnalysisRepository(db);
    this.recognition = new RecognitionRepository(db);
    this.faces = new FaceRepository(db);
  }

  static open(file: string): Store {
    return new Store(openDatabase(file));
  }

  /** Runs `work` in one transaction (nested calls become savepoints). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
