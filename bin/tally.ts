#!/usr/bin/env node
import { tallyApp } from '../lib/tally-app';

tallyApp().app.synth();
