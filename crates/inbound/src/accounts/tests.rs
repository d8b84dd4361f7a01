//! `companies_after`: what a user's companies are after a change.

use super::*;

#[test]
fn company_ids_must_hold_the_company() {
    let current = Some((1, &[1, 2][..]));
    assert_eq!(
        companies_after(current, Some(3), None).unwrap(),
        (3, vec![1, 2, 3])
    );
    assert_eq!(
        companies_after(current, None, Some(vec![2, 1])).unwrap(),
        (1, vec![1, 2])
    );
    assert!(matches!(
        companies_after(current, None, Some(vec![2])),
        Err(AccountError::Invalid {
            field: "company_ids",
            ..
        })
    ));
    assert!(matches!(
        companies_after(current, Some(3), Some(vec![1])),
        Err(AccountError::Invalid {
            field: "company_id",
            ..
        })
    ));
    assert!(matches!(
        companies_after(None, None, Some(vec![])),
        Err(AccountError::Invalid {
            field: "company_ids",
            ..
        })
    ));
    assert_eq!(companies_after(None, None, None).unwrap(), (1, vec![1]));
}
