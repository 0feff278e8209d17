// Roles are looked up by project slug; a slug that names something every object inherits
// ("constructor", "toString", "__proto__") must not read as a role.
import { describe, expect, it } from 'vitest';
import { type Actor, hasRole, mayAccessProject, roleIn } from '../src/resolvers/core/actor.ts';

const viewerOfVision: Actor = {
  id: 'token:1',
  kind: 'token',
  name: 'v',
  admin: false,
  roles: { vision: 'viewer' },
};

describe('an actor with a role in one project', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'has none in a project slugged %s',
    (slug) => {
      expect(roleIn(viewerOfVision, slug)).toBeNull();
      expect(mayAccessProject(viewerOfVision, slug)).toBe(false);
      expect(hasRole(viewerOfVision, slug, 'viewer')).toBe(false);
    },
  );

  it('has its own', () => {
    expect(roleIn(viewerOfVision, 'vision')).toBe('viewer');
    expect(hasRole(viewerOfVision, 'vision', 'contributor')).toBe(false);
  });
});
